import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Storage } from '../../../src/storage/db/connection'
import { appendMetrics } from '../../../src/storage/write/append'
import { journalPath, recoverRenameJournals } from '../../../src/storage/write/rename-journal'
import { renameRun } from '../../../src/storage/write/rename-run'
import { copyFixtures, tempDir } from '../../helpers'

/**
 * kill -9 during rename_run at every point where work is half done: after the journal is
 * written, after each media step, after COMMIT. Recovery (at startup, or before the next write
 * to the project) must leave rows and media folders agreeing, with no file lost.
 */

const MP = 'media-project'
const RUN_ID = '91a51442552f4b3da8c6345ec7873dce'
const CHILD = join(import.meta.dir, 'rename-crash-child.ts')

const files = (dir: string): string[] =>
  existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).filter((f) => !f.endsWith('/')).sort() : []

function runChild(dir: string, newName: string, point: string): { code: number | null; signal: string | null; out: string } {
  const p = Bun.spawnSync(['bun', CHILD, dir, MP, 'media-run', newName, point], { stdout: 'pipe', stderr: 'pipe' })
  return { code: p.exitCode, signal: p.signalCode ? String(p.signalCode) : null, out: p.stdout.toString() + p.stderr.toString() }
}

/** The run's name and the file_path values of its rows. */
function runState(dir: string): { name: string; paths: string[] } {
  const db = new Database(join(dir, `${MP}.db`), { readonly: true })
  try {
    const rows = db.query('SELECT run_name, CAST(metrics AS TEXT) AS m FROM metrics WHERE run_id = ?').all(RUN_ID) as { run_name: string; m: string }[]
    const names = [...new Set(rows.map((r) => r.run_name))]
    expect(names).toHaveLength(1)
    return { name: names[0]!, paths: rows.flatMap((r) => [...r.m.matchAll(/"file_path":\s*"([^"]+)"/g)].map((m) => m[1]!)) }
  } finally {
    db.close()
  }
}

interface Scenario {
  label: string
  newName: string
  prepare?: (dir: string) => void
}

const SCENARIOS: Scenario[] = [
  { label: 'plain move', newName: 'renamed' },
  { label: 'new parent folders', newName: 'deep/er/renamed' },
  { label: 'into its own subfolder (hop)', newName: 'media-run/v2' },
  {
    label: 'merge into an existing folder',
    newName: 'target',
    prepare: (dir) => {
      mkdirSync(join(dir, 'media', MP, 'target', '0'), { recursive: true })
      writeFileSync(join(dir, 'media', MP, 'target', '0', 'other-run.txt'), 'other')
      writeFileSync(join(dir, 'media', MP, 'target', 'top.txt'), 'other')
    },
  },
]

function check(dir: string, s: Scenario, before: string[], oldFiles: string[]) {
  const { name, paths } = runState(dir)
  expect(['media-run', s.newName]).toContain(name)
  // Rows and folders agree: every media path of the run's rows is a file on disk.
  expect(paths.length).toBeGreaterThan(0)
  for (const p of paths) expect(existsSync(join(dir, 'media', p))).toBe(true)
  // No file lost or left behind: the run's files sit under the name the rows carry.
  expect(files(join(dir, 'media', MP, name)).filter((f) => oldFiles.includes(f)).sort()).toEqual(oldFiles)
  const all = files(join(dir, 'media', MP))
  expect(all.filter((f) => f.includes('.rename-'))).toEqual([])
  expect(all.filter((f) => /\.(png|wav|html|txt)$/.test(f)).length).toBe(before.filter((f) => /\.(png|wav|html|txt)$/.test(f)).length)
  expect(existsSync(journalPath(dir, MP))).toBe(false)
}

describe('rename journal: a kill -9 at every crash point is recovered', () => {
  for (const s of SCENARIOS) {
    test(`${s.label}: at startup and before the next write`, async () => {
      // The crash points this rename passes (the run completes once to list them).
      const probe = copyFixtures('edge')
      s.prepare?.(probe)
      const listed = runChild(probe, s.newName, 'list')
      expect(listed.code).toBe(0)
      const points = listed.out.split('\n').filter((l) => l && l !== 'done')
      expect(points[0]).toBe('journal')
      expect(points.at(-1)).toBe('committed')
      expect(points.filter((p) => p.startsWith('step-')).length).toBeGreaterThan(0)
      const outcomes = new Set<string>()
      for (const point of points) {
        for (const via of ['startup', 'next-write'] as const) {
          const dir = copyFixtures('edge')
          s.prepare?.(dir)
          const before = files(join(dir, 'media', MP))
          const oldFiles = files(join(dir, 'media', MP, 'media-run'))
          const r = runChild(dir, s.newName, point)
          expect(r.signal).toBe('SIGKILL')
          expect(existsSync(journalPath(dir, MP))).toBe(true)
          const quiet = console.error
          console.error = () => {}
          try {
            if (via === 'startup') {
              const [rec] = await recoverRenameJournals(dir)
              outcomes.add(`${point}:${rec!.outcome}`)
            } else {
              await appendMetrics(dir, MP, 'another-run', null, [{ metrics: new Map([['x', 1]]), step: null }])
            }
          } finally {
            console.error = quiet
          }
          check(dir, s, before, oldFiles)
        }
      }
      // Before COMMIT the rename is undone; after it, finished.
      expect(outcomes.has('journal:undone')).toBe(true)
      expect(outcomes.has('committed:finished')).toBe(true)
    }, 120000)
  }

  test('a journal that is a link, or names paths outside the project media, is removed and not followed', async () => {
    const dir = copyFixtures('edge')
    const outside = tempDir()
    writeFileSync(join(outside, 'keep.txt'), 'x')
    const media = files(join(dir, 'media', MP))
    const journal = {
      version: 1,
      stem: MP,
      run: { id: RUN_ID, name: 'media-run', byName: false },
      target: 't',
      steps: [{ op: 'rename', src: `../../${outside}/keep.txt`, dst: `${MP}/stolen.txt` }],
    }
    writeFileSync(journalPath(dir, MP), JSON.stringify(journal))
    const quiet = console.error
    console.error = () => {}
    try {
      expect((await recoverRenameJournals(dir))[0]!.outcome).toBe('discarded')
      writeFileSync(journalPath(dir, MP), JSON.stringify({ ...journal, steps: [{ op: 'rename', src: 'other-project/x', dst: `${MP}/x` }] }))
      expect((await recoverRenameJournals(dir))[0]!.outcome).toBe('discarded')
      symlinkSync(join(outside, 'keep.txt'), journalPath(dir, MP))
      expect((await recoverRenameJournals(dir))[0]!.outcome).toBe('discarded')
    } finally {
      console.error = quiet
    }
    expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('x')
    expect(files(join(dir, 'media', MP))).toEqual(media)
    expect(existsSync(journalPath(dir, MP))).toBe(false)
  })

  test('a completed rename leaves no journal; a refused one neither', async () => {
    const dir = copyFixtures('edge')
    const storage = new Storage(dir)
    await renameRun(storage, MP, 'media-run', 'done-name', null)
    expect(existsSync(journalPath(dir, MP))).toBe(false)
    writeFileSync(join(dir, 'media', MP, 'blocker'), 'file')
    await expect(renameRun(storage, MP, 'done-name', 'blocker/x', null)).rejects.toThrow()
    expect(existsSync(journalPath(dir, MP))).toBe(false)
    storage.close()
  })
})

describe('the server settles a rename journal when it starts', () => {
  test('kill -9 after the media moved: the binary finishes or undoes it before serving', async () => {
    const { startServer } = await import('../../helpers')
    const dir = copyFixtures('edge')
    const before = files(join(dir, 'media', MP))
    const oldFiles = files(join(dir, 'media', MP, 'media-run'))
    expect(runChild(dir, 'renamed', 'step-0').signal).toBe('SIGKILL')
    expect(existsSync(journalPath(dir, MP))).toBe(true)
    // Before recovery the rows still say media-run while the folder is already renamed.
    expect(runState(dir).name).toBe('media-run')
    expect(existsSync(join(dir, 'media', MP, 'media-run'))).toBe(false)
    const server = await startServer(dir)
    try {
      expect(existsSync(journalPath(dir, MP))).toBe(false)
      check(dir, SCENARIOS[0]!, before, oldFiles)
    } finally {
      await server.stop()
    }
  }, 60000)
})
