import { existsSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parquetWriteBuffer, type BasicType, type ColumnSource } from 'hyparquet-writer'
import { stringify } from '../json/serialize'
import { JsonFloat, type Json } from '../json/values'
import type { ProjectDb, Storage } from './connection'
import { decodeObject } from './decode'
import { canonicalProjectName } from './paths'

/**
 * Trackio's parquet side files (spec 12, 1.3): for every project database, `{stem}.parquet`
 * (metrics), `{stem}_system.parquet` and `{stem}_configs.parquet`, "flattened": the table's own
 * columns, then one column per top-level JSON key (first-seen order; a key named like a table
 * column replaces it, as pandas assignment does in Trackio). Files newer than the database
 * (or its -wal) and empty tables are skipped. Each file is written to a temporary name and
 * renamed, so a reader never sees half a file.
 */

const SIDECARS: readonly { table: string; json: string; suffix: string }[] = [
  { table: 'metrics', json: 'metrics', suffix: '' },
  { table: 'system_metrics', json: 'metrics', suffix: '_system' },
  { table: 'configs', json: 'config', suffix: '_configs' },
]

export interface ExportReport {
  written: string[]
  skipped: string[]
}

export function exportParquet(storage: Storage): ExportReport {
  const report: ExportReport = { written: [], skipped: [] }
  for (const stem of storage.listProjects()) {
    // A file whose stem no project name maps to cannot be opened by name; Trackio never writes one.
    if (canonicalProjectName(stem) !== stem) continue
    const p = storage.project(stem)
    if (!p) continue
    const dbTime = databaseMtime(p.paths.db)
    for (const s of SIDECARS) {
      const file = join(storage.dataDir, `${stem}${s.suffix}.parquet`)
      if (existsSync(file) && statSync(file).mtimeMs > dbTime) {
        report.skipped.push(file)
        continue
      }
      const columns = p.read(() => flattenTable(p, s.table, s.json))
      if (!columns) continue
      writeAtomically(file, parquetWriteBuffer({ columnData: columns }))
      report.written.push(file)
    }
  }
  return report
}

function databaseMtime(db: string): number {
  let t = statSync(db).mtimeMs
  try {
    t = Math.max(t, statSync(`${db}-wal`).mtimeMs)
  } catch {
    /* no WAL file */
  }
  return t
}

function writeAtomically(file: string, data: ArrayBuffer): void {
  const tmp = `${file}.tmp-${process.pid}`
  try {
    writeFileSync(tmp, new Uint8Array(data))
    renameSync(tmp, file)
  } catch (err) {
    if (existsSync(tmp)) unlinkSync(tmp)
    throw err
  }
}

/** The table as parquet columns, or null when it is missing or empty. */
export function flattenTable(p: ProjectDb, table: string, jsonColumn: string): ColumnSource[] | null {
  if (!p.hasTable(table)) return null
  const rows = p.db.query(`SELECT * FROM "${table}" ORDER BY rowid`).all() as Record<string, unknown>[]
  if (rows.length === 0) return null
  const columns = new Map<string, unknown[]>()
  for (const name of Object.keys(rows[0]!)) if (name !== jsonColumn) columns.set(name, rows.map((r) => r[name]))
  const decoded = rows.map((r) => decodeObject(r[jsonColumn]))
  const keys = new Set<string>()
  for (const obj of decoded) for (const k of obj.keys()) keys.add(k)
  for (const k of keys) columns.set(k, decoded.map((obj) => (obj.has(k) ? obj.get(k)! : null)))
  return [...columns].map(([name, values]) => column(name, values))
}

type Kind = 'none' | 'bool' | 'int' | 'float' | 'string' | 'json'

const asText = (v: unknown): string => (typeof v === 'string' ? v : new TextDecoder().decode(v as Uint8Array))

/** One parquet column: BOOLEAN, INT64, DOUBLE or STRING by the values it holds; anything mixed or nested as JSON text. */
function column(name: string, values: unknown[]): ColumnSource {
  let kind = 'none' as Kind
  const merge = (k: Kind) => {
    if (kind === 'none' || kind === k) kind = k
    else if ((kind === 'int' && k === 'float') || (kind === 'float' && k === 'int')) kind = 'float'
    else kind = 'json'
  }
  for (const v of values) {
    if (v === null || v === undefined) continue
    if (typeof v === 'boolean') merge('bool')
    else if (typeof v === 'bigint') merge(v >= -(2n ** 63n) && v < 2n ** 63n ? 'int' : 'float')
    else if (typeof v === 'number') merge(Number.isInteger(v) ? 'int' : 'float')
    else if (v instanceof JsonFloat) merge('float')
    else if (typeof v === 'string') merge('string')
    else if (v instanceof Uint8Array) merge('string')
    else merge('json')
  }
  const nulls = (f: (v: unknown) => unknown) => values.map((v) => (v === null || v === undefined ? null : f(v)))
  const spec: Record<Kind, [BasicType, (v: unknown) => unknown]> = {
    none: ['STRING', () => null],
    bool: ['BOOLEAN', (v) => v],
    int: ['INT64', (v) => BigInt(v as number | bigint)],
    float: ['DOUBLE', (v) => Number(v instanceof JsonFloat ? v.text : v)],
    string: ['STRING', asText],
    json: ['STRING', (v) => stringify((v instanceof Uint8Array ? asText(v) : v) as Json)],
  }
  const [type, convert] = spec[kind]
  return { name, type, data: nulls(convert) as ColumnSource['data'], nullable: true }
}
