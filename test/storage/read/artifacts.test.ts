import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { Storage } from '../../../src/storage/db/connection'
import { ensureSchema } from '../../../src/storage/db/schema'
import { artifactLineage, artifactOverview, listArtifacts, MAX_LINEAGE_NODES, resolveVersion } from '../../../src/storage/read/artifacts'
import { FIXTURES, tempDir } from '../../helpers'

/**
 * The artifact reads as functions. Their answers on Trackio-written data are compared with
 * Trackio's own per tool (test/tools/get-artifact*.test.ts, list-artifacts, get-run-artifact*).
 */

function fixture(): Storage {
  const dir = tempDir()
  cpSync(join(FIXTURES, 'artifacts'), dir, { recursive: true })
  return new Storage(dir)
}

describe('resolveVersion', () => {
  test('vN, aliases, latest (null or empty spec); nothing for unknown names', () => {
    const s = fixture()
    const p = s.project('arts')!
    p.read(() => {
      expect(resolveVersion(p, 'model', 'v0')).toMatchObject({ version: 0 })
      expect(resolveVersion(p, 'model', 'best')).toMatchObject({ version: 0 })
      expect(resolveVersion(p, 'model', null)).toMatchObject({ version: 1 })
      expect(resolveVersion(p, 'model', '')).toMatchObject({ version: 1 })
      expect(resolveVersion(p, 'model', 'v01')).toMatchObject({ version: 1 })
      expect(resolveVersion(p, 'model', 'v2')).toBeNull()
      expect(resolveVersion(p, 'nope', null)).toBeNull()
    })
    s.close()
  })
})

describe('a database without artifact tables (older Trackio)', () => {
  test('answers empty, never "no such table"', () => {
    const dir = tempDir()
    const db = new Database(join(dir, 'old.db'))
    db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY, timestamp TEXT, run_name TEXT, step INTEGER, metrics TEXT)')
    db.close()
    const s = new Storage(dir)
    const p = s.project('old')!
    p.read(() => {
      expect(listArtifacts(p)).toEqual([])
      expect(artifactOverview(p)).toEqual([])
      expect(resolveVersion(p, 'x', null)).toBeNull()
      expect(artifactLineage(p, 1)).toEqual({ focus: 'art:1', truncated: false, nodes: [], edges: [] } as never)
    })
    s.close()
  })
})

describe('artifactLineage bounds', () => {
  test(`a component larger than ${MAX_LINEAGE_NODES} nodes is cut and marked truncated`, () => {
    const dir = tempDir()
    const db = new Database(join(dir, 'big.db'))
    ensureSchema(db)
    const now = '2026-01-01T00:00:00+00:00'
    db.run("INSERT INTO artifacts (name, type, created_at) VALUES ('a', 'model', ?)", [now])
    const version = db.prepare("INSERT INTO artifact_versions (artifact_id, version, manifest_digest, manifest, size_bytes, created_at) VALUES (1, ?, ?, '[]', 0, ?)")
    const link = db.prepare('INSERT INTO run_artifact_links (run_id, run_name, artifact_version_id, direction, created_at) VALUES (?, ?, ?, ?, ?)')
    db.transaction(() => {
      for (let v = 1; v <= 800; v++) {
        version.run(v - 1, `d${v}`, now)
        // run r{v} consumes v and produces v+1: one chain of 1,600 nodes
        link.run(`r${v}`, `r${v}`, v, 'input', now)
        if (v < 800) link.run(`r${v}`, `r${v}`, v + 1, 'output', now)
      }
    })()
    db.close()
    const s = new Storage(dir)
    const p = s.project('big')!
    const g = p.read(() => artifactLineage(p, 1)) as unknown as { truncated: boolean; nodes: unknown[]; edges: unknown[] }
    expect(g.truncated).toBe(true)
    expect(g.nodes.length).toBeLessThanOrEqual(MAX_LINEAGE_NODES)
    expect(g.nodes.length).toBeGreaterThan(MAX_LINEAGE_NODES - 5)
    const small = p.read(() => artifactLineage(p, 800)) as unknown as { truncated: boolean; nodes: unknown[] }
    expect(small.truncated).toBe(true)
    s.close()
  })
})
