import bulkAlert from './bulk-alert'
import bulkLog from './bulk-log'
import bulkLogSystem from './bulk-log-system'
import bulkUploadMedia from './bulk-upload-media'
import type { ToolDef } from './core/define'
import deleteRun from './delete-run'
import forceSync from './force-sync'
import getAlerts from './get-alerts'
import getAllProjects from './get-all-projects'
import getLogs from './get-logs'
import getMetricValues from './get-metric-values'
import getMetricsForRun from './get-metrics-for-run'
import getProjectSummary from './get-project-summary'
import getRunSummary from './get-run-summary'
import getRunsForProject from './get-runs-for-project'
import getSettings from './get-settings'
import getSnapshot from './get-snapshot'
import getSystemLogs from './get-system-logs'
import getSystemMetricsForRun from './get-system-metrics-for-run'
import log from './log'
import logAlert from './log-alert'
import logMetrics from './log-metrics'
import renameRun from './rename-run'
import triggerSync from './trigger-sync'
import checkArtifactBlobs from './check-artifact-blobs'
import bulkUploadArtifactBlob from './bulk-upload-artifact-blob'
import artifactLog from './artifact-log'
import getArtifactManifest from './get-artifact-manifest'
import getArtifacts from './get-artifacts'
import listArtifacts from './list-artifacts'
import getRunArtifacts from './get-run-artifacts'
import getRunArtifactCounts from './get-run-artifact-counts'
import getArtifactConsumers from './get-artifact-consumers'
import getArtifactLineage from './get-artifact-lineage'
import logArtifactUse from './log-artifact-use'
import queryProject from './query-project'
import getLogsBatch from './get-logs-batch'
import getSystemLogsBatch from './get-system-logs-batch'
import getRunConfigs from './get-run-configs'
import getTabAvailability from './get-tab-availability'
import getTraces from './get-traces'
import getTraceSteps from './get-trace-steps'
import getProjectFiles from './get-project-files'
import getRegistryBuckets from './get-registry-buckets'
import getRegistries from './get-registries'
import getRegistryDetails from './get-registry-details'
import uploadDbToSpace from './upload-db-to-space'
import listRuns from './list-runs'
import getMetricHistory from './get-metric-history'
import compareRuns from './compare-runs'
import diagnoseRun from './diagnose-run'
import getChanges from './get-changes'
import plotMetrics from './plot-metrics'
import getRunsOverview from './get-runs-overview'

/**
 * Every tool, in Trackio's MCP registration order (compat §9). HTTP routes, the OpenAPI document
 * and the MCP server are all generated from this list.
 */
export const TOOLS: readonly ToolDef[] = [
  getAllProjects,
  getRunsForProject,
  getMetricsForRun,
  getProjectSummary,
  getRunSummary,
  getMetricValues,
  getSystemMetricsForRun,
  getSystemLogs,
  getSnapshot,
  getLogs,
  getAlerts,
  getSettings,
  deleteRun,
  renameRun,
  triggerSync,
  forceSync,
  bulkLog,
  bulkLogSystem,
  bulkAlert,
  log,
  logMetrics,
  logAlert,
  bulkUploadMedia,
  checkArtifactBlobs,
  bulkUploadArtifactBlob,
  artifactLog,
  getArtifactManifest,
  getArtifacts,
  listArtifacts,
  getRunArtifacts,
  getRunArtifactCounts,
  getArtifactConsumers,
  getArtifactLineage,
  logArtifactUse,
  queryProject,
  getLogsBatch,
  getSystemLogsBatch,
  getRunConfigs,
  getTabAvailability,
  getTraces,
  getTraceSteps,
  getProjectFiles,
  getRegistryBuckets,
  getRegistries,
  getRegistryDetails,
  uploadDbToSpace,
  listRuns,
  getMetricHistory,
  compareRuns,
  diagnoseRun,
  getChanges,
  plotMetrics,
  getRunsOverview,
] as ToolDef[]
