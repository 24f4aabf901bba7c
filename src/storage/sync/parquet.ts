import { Database } from 'bun:sqlite'
import { lstatSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ByteWriter, parquetWrite, type BasicType, type ColumnSource } from 'hyparquet-writer'
import { stringify } from '../../json/serialize'
import { JsonFloat, type Json, type JsonObject } from '../../json/values'
import { READ_BUSY_STEP_MS, retryWhileLocked, storageFailure, type ProjectDb, type Storage } from '../db/connection'
import { decodeObject } from '../db/decode'
import { messageOf } from '../../errors'
import { canonicalProjectName, exportSuffixOf } from '../db/paths'

/**
 * Trackio's parquet side files (compat §10, §1): for every project database, `{stem}.parquet`
 * (metrics), `{stem}_system.parquet` and `{stem}_configs.parquet`, "flattened": the table's own
 * columns, then one column per top-level JSON key (first-seen order; a key named like a table
 * column replaces it, as pandas assignment does in Trackio); `{stem}_traces.parquet` holds the
 * traces table as it is (messages / metadata as JSON text). Files newer than the database
 * (or its -wal) and empty tables are skipped. Each file is written to a temporary name and
 * renamed, so a reader never sees half a file.
 *
 * The export runs on the server's event loop, so it works in bounded slices: rows are read in
 * chunks from a snapshot on a connection of its own, columns are built one at a time and row
 * groups encoded one at a time, with a yield to the event loop between slices.
 */

const SIDECARS: readonly { table: string; json: string | null; suffix: string }[] = [
  { table: 'metrics', json: 'metrics', suffix: '' },
  { table: 'system_metrics', json: 'metrics', suffix: '_system' },
  { table: 'configs', json: 'config', suffix: '_configs' },
  { table: 'traces', json: null, suffix: '_traces' },
]

/** Rows read (and decoded) per slice. */
const READ_CHUNK = 5_000
/** Rows per parquet row group, i.e. per encoding slice. */
const ROW_GROUP = [1_000, 20_000]

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export interface ExportReport {
  written: string[]
  skipped: string[]
  /** Projects not exported (unreadable database, or a name whose files collide with another project's), with why. */
  failed: { project: string; reason: string }[]
}

/**
 * Export every project. One project that cannot be exported (a corrupt or unreadable database, a
 * disk error) is skipped and reported on stderr; the others are still exported.
 */
export async function exportParquet(storage: Storage): Promise<ExportReport> {
  const report: ExportReport = { written: [], skipped: [], failed: [] }
  const stems = storage.listProjects()
  const present = new Set(stems)
  for (const stem of stems) {
    // A file whose stem no project name maps to cannot be opened by name; Trackio never writes one.
    if (canonicalProjectName(stem) !== stem) continue
    const suffix = exportSuffixOf(stem)
    if (suffix && present.has(stem.slice(0, -suffix.length))) {
      fail(report, stem, `its export files would overwrite those of project '${stem.slice(0, -suffix.length)}' (names ending with '${suffix}' are reserved)`)
      continue
    }
    try {
      await exportProject(storage, stem, report)
    } catch (err) {
      fail(report, stem, messageOf(err))
    }
  }
  return report
}

function fail(report: ExportReport, project: string, reason: string): void {
  report.failed.push({ project, reason })
  console.error(`trackio: sync skipped project '${project}': ${reason}`)
}

async function exportProject(storage: Storage, stem: string, report: ExportReport): Promise<void> {
  const p = storage.project(stem)
  if (!p) return
  const dbTime = databaseMtime(p.paths.db)
  for (const s of SIDECARS) {
    await tick()
    const file = join(storage.dataDir, `${stem}${s.suffix}.parquet`)
    if (freshFile(file, dbTime)) {
      report.skipped.push(file)
      continue
    }
    if (!p.read(() => p.hasTable(s.table))) continue
    const columns = await retryWhileLocked(() => flattenTable(p, s.table, s.json))
    if (!columns) continue
    writeAtomically(file, await encodeParquet(columns))
    report.written.push(file)
  }
}

/** A regular file newer than the database (a link at the name is never fresh: it is replaced). */
function freshFile(file: string, dbTime: number): boolean {
  try {
    const st = lstatSync(file)
    return st.isFile() && st.mtimeMs > dbTime
  } catch {
    return false
  }
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

/**
 * Write through a temporary file and a rename. The temporary name is created exclusively
 * (O_EXCL refuses any existing name, a symbolic link included, so a link planted there is never
 * written through); the rename replaces whatever is at `file`, a link included, without following it.
 */
function writeAtomically(file: string, data: ArrayBuffer): void {
  const tmp = `${file}.tmp-${process.pid}`
  try {
    unlinkSync(tmp) // a leftover (or planted) name from an earlier run; unlink removes a link, not its target
  } catch {
    /* none */
  }
  try {
    writeFileSync(tmp, new Uint8Array(data), { flag: 'wx' })
    renameSync(tmp, file)
  } catch (err) {
    try {
      if (lstatSync(tmp).isFile()) unlinkSync(tmp)
    } catch {
      /* gone */
    }
    throw err
  }
}

/** A ByteWriter whose flush, awaited by hyparquet-writer after every row group, yields to the event loop. */
class YieldingWriter extends ByteWriter {
  flush(): Promise<void> {
    return tick()
  }
}

async function encodeParquet(columnData: ColumnSource[]): Promise<ArrayBuffer> {
  const writer = new YieldingWriter()
  await parquetWrite({ writer, columnData, rowGroupSize: ROW_GROUP })
  return writer.getBuffer()
}

/** A second connection, so the snapshot can stay open across yields without touching the shared one. */
function openSnapshot(p: ProjectDb): Database {
  let db: Database
  try {
    db = new Database(p.paths.db, { readwrite: true, create: false, safeIntegers: true })
  } catch {
    db = new Database(p.paths.db, { readonly: true, safeIntegers: true })
  }
  db.run(`PRAGMA busy_timeout = ${READ_BUSY_STEP_MS}`)
  return db
}

/**
 * The table as parquet columns, or null when it is empty: one read snapshot, chunked by rowid,
 * yielding between chunks and between columns.
 */
export async function flattenTable(p: ProjectDb, table: string, jsonColumn: string | null): Promise<ColumnSource[] | null> {
  let db: Database | undefined
  const rows: Record<string, unknown>[] = []
  const decoded: JsonObject[] = []
  try {
    db = openSnapshot(p)
    db.run('BEGIN')
    const chunk = db.query(`SELECT rowid AS "__rowid", * FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT ${READ_CHUNK}`)
    for (let after: unknown = -(2n ** 63n); ; ) {
      const got = chunk.all(after as bigint) as Record<string, unknown>[]
      for (const r of got) {
        after = r.__rowid
        delete r.__rowid
        rows.push(r)
        if (jsonColumn !== null) decoded.push(decodeObject(r[jsonColumn]))
      }
      if (got.length < READ_CHUNK) break
      await tick()
    }
    chunk.finalize()
    db.run('COMMIT')
  } catch (err) {
    throw storageFailure(err, p.paths.stem)
  } finally {
    db?.close(false)
  }
  if (rows.length === 0) return null
  const columns = new Map<string, () => unknown[]>()
  for (const name of Object.keys(rows[0]!)) if (name !== jsonColumn) columns.set(name, () => rows.map((r) => r[name]))
  const keys = new Set<string>()
  for (const obj of decoded) for (const k of obj.keys()) keys.add(k)
  for (const k of keys) columns.set(k, () => decoded.map((obj) => (obj.has(k) ? obj.get(k)! : null)))
  const out: ColumnSource[] = []
  for (const [name, values] of columns) {
    out.push(column(name, values()))
    await tick()
  }
  return out
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
