import { z } from 'zod'
import { artifactLineage, MAX_LINEAGE_EDGES, MAX_LINEAGE_LINK_ROWS, MAX_LINEAGE_NODES } from '../storage/read/artifacts'
import { versionIdArg } from './core/artifact-args'
import { defineTool, looseObject, projectArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_artifact_lineage',
  description: 'The lineage graph around an artifact version: the runs that produced and consumed it, their other artifacts, and so on.',
  notes:
    'Nodes are `art:{version_id}` (artifact versions) and `run:{run_id}` (or `run:name:{name}`); edges go run → artifact for ' +
    `outputs and artifact → run for inputs. Bounded: at most ${MAX_LINEAGE_NODES} nodes, ${MAX_LINEAGE_EDGES} edges and ` +
    `${MAX_LINEAGE_LINK_ROWS} link rows read; \`truncated\` says when a bound was hit.`,
  input: z.object({ project: projectArg, version_id: versionIdArg }),
  output: z.object({ focus: z.string(), truncated: z.boolean(), nodes: z.array(looseObject), edges: z.array(looseObject) }),
  result: 'object',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier', version_id: 1 },
  handler: ({ project, version_id }, ctx) =>
    readProject(ctx, project, { focus: `art:${version_id}`, truncated: false, nodes: [], edges: [] }, (p) => artifactLineage(p, version_id)),
})
