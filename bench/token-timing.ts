/**
 * Does the write-token check leak how much of a wrong token is right? `bun bench/token-timing.ts`
 * compares the time taken for a wrong token sharing 0 vs 42 leading characters with the real one
 * (43 characters), in-process against tokenMatches/requireWriteToken and over HTTP against the
 * compiled binary, and prints means, Welch's t-statistic and a verdict (|t| < 4.5: no leak
 * detected, the dudect threshold). A naive `===` comparison is measured as a control of the
 * method's sensitivity. Options: --samples N (in-process batches, default 4000), --http N (requests
 * per variant, default 1500). Loopback only.
 */
import { join, resolve } from 'node:path'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { makeWriteToken, requireWriteToken, tokenMatches } from '../src/tools/core/write-token'

const ROOT = resolve(import.meta.dir, '..')
const BIN = join(ROOT, 'dist', 'trackio')

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const SAMPLES = option('samples', 4000)
const HTTP_SAMPLES = option('http', 1500)
const BATCH = 200
const THRESHOLD = 4.5

const TOKEN = makeWriteToken({})
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
function other(c: string): string {
  return ALPHABET[(ALPHABET.indexOf(c) + 7) % ALPHABET.length]!
}
/** Same length as the token, differing from its first character on. */
const WRONG_0 = [...TOKEN].map(other).join('')
/** Same length, equal on the first 42 characters, wrong last one. */
const WRONG_42 = TOKEN.slice(0, 42) + other(TOKEN[42]!)

interface Stats {
  mean: number
  sd: number
  n: number
}
function stats(xs: number[]): Stats {
  const n = xs.length
  const mean = xs.reduce((a, b) => a + b, 0) / n
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1))
  return { mean, sd, n }
}
function welch(a: Stats, b: Stats): number {
  return (a.mean - b.mean) / Math.sqrt(a.sd ** 2 / a.n + b.sd ** 2 / b.n)
}
/** Drop the slowest 5% (GC pauses, scheduler noise) before comparing, as dudect does. */
function trimmed(xs: number[]): number[] {
  const cut = [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!
  return xs.filter((x) => x <= cut)
}

/** Per-call nanoseconds of `check(wrong)`, measured in batches, the two variants interleaved in random order. */
function measure(check: (presented: string) => unknown): [number[], number[]] {
  const a: number[] = []
  const b: number[] = []
  for (let i = 0; i < 2000; i++) check(i % 2 ? WRONG_0 : WRONG_42) // warm-up (JIT)
  for (let s = 0; s < SAMPLES; s++) {
    const first = Math.random() < 0.5
    for (const which of first ? [0, 42] : [42, 0]) {
      const v = which === 0 ? WRONG_0 : WRONG_42
      const t0 = Bun.nanoseconds()
      for (let i = 0; i < BATCH; i++) check(v)
      const dt = (Bun.nanoseconds() - t0) / BATCH
      ;(which === 0 ? a : b).push(dt)
    }
  }
  return [a, b]
}

interface Row {
  what: string
  unit: string
  a: Stats
  b: Stats
  t: number
}
const rows: Row[] = []
function record(what: string, unit: string, [a, b]: [number[], number[]]): void {
  const sa = stats(trimmed(a))
  const sb = stats(trimmed(b))
  rows.push({ what, unit, a: sa, b: sb, t: welch(sa, sb) })
}

record('tokenMatches (in-process)', 'ns/call', measure((p) => tokenMatches(TOKEN, p)))
record('requireWriteToken (in-process, throws 403)', 'ns/call', measure((p) => {
  try {
    requireWriteToken(TOKEN, p, 'bench')
  } catch {
    /* expected */
  }
}))
// Control: a comparison that does leak (early exit). Long strings make the effect visible.
const LONG = TOKEN.repeat(200)
const LONG_0 = other(LONG[0]!) + LONG.slice(1)
const LONG_LAST = LONG.slice(0, -1) + other(LONG.at(-1)!)
const control = measure((p) => LONG === (p === WRONG_0 ? LONG_0 : LONG_LAST))
rows.push((() => {
  const sa = stats(trimmed(control[0]))
  const sb = stats(trimmed(control[1]))
  return { what: 'control: naive === on 8.6 kB strings (data-dependent)', unit: 'ns/call', a: sa, b: sb, t: welch(sa, sb) }
})())

async function overHttp(): Promise<void> {
  const build = Bun.spawn(['bun', 'build.ts'], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' })
  if ((await build.exited) !== 0) throw new Error('build failed')
  const dir = mkdtempSync(join(tmpdir(), 'trackio-timing-'))
  const proc = Bun.spawn([BIN, 'show', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TRACKIO_DIR: dir, TRACKIO_WRITE_TOKEN: TOKEN },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  try {
    const reader = proc.stdout.getReader()
    let out = ''
    while (!/write_token=/.test(out)) out += new TextDecoder().decode((await reader.read()).value)
    const port = out.match(/127\.0\.0\.1:(\d+)/)![1]
    const url = `http://127.0.0.1:${port}/api/delete_run`
    const call = async (tok: string) => {
      const t0 = Bun.nanoseconds()
      const r = await fetch(url, { method: 'POST', headers: { 'x-trackio-write-token': tok }, body: '{"project":"p","run":"r"}' })
      await r.arrayBuffer()
      if (r.status !== 403) throw new Error(`expected 403, got ${r.status}`)
      return (Bun.nanoseconds() - t0) / 1000
    }
    for (let i = 0; i < 300; i++) await call(i % 2 ? WRONG_0 : WRONG_42)
    const a: number[] = []
    const b: number[] = []
    for (let i = 0; i < HTTP_SAMPLES; i++) {
      if (Math.random() < 0.5) {
        a.push(await call(WRONG_0))
        b.push(await call(WRONG_42))
      } else {
        b.push(await call(WRONG_42))
        a.push(await call(WRONG_0))
      }
    }
    record('POST /api/delete_run → 403 (HTTP, binary)', 'µs/request', [a, b])
  } finally {
    proc.kill()
    await proc.exited
    rmSync(dir, { recursive: true, force: true })
  }
}
await overHttp()

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2))
console.log(`Write-token check timing: wrong token sharing 0 vs 42 leading characters with the real one (43 characters)`)
console.log(`${SAMPLES} in-process batches of ${BATCH} calls per variant, ${HTTP_SAMPLES} HTTP requests per variant; slowest 5% trimmed; |t| < ${THRESHOLD} = no leak detected\n`)
console.log('| check | unit | mean (0 shared) | sd | mean (42 shared) | sd | Welch t | verdict |')
console.log('|---|---|---:|---:|---:|---:|---:|---|')
for (const r of rows) {
  const verdict = Math.abs(r.t) < THRESHOLD ? 'no leak detected' : r.what.startsWith('control') ? 'leak detected (expected: method is sensitive)' : 'LEAK DETECTED'
  console.log(`| ${r.what} | ${r.unit} | ${fmt(r.a.mean)} | ${fmt(r.a.sd)} | ${fmt(r.b.mean)} | ${fmt(r.b.sd)} | ${r.t.toFixed(2)} | ${verdict} |`)
}
