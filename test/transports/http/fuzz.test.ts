import { afterAll, beforeAll, expect, test } from 'bun:test'
import { TOOLS } from '../../../src/tools/registry'
import { copyFixtures, startServer, type Server } from '../../helpers'
import { prng } from '../../../src/cli/prng'

/**
 * Random and mutated bodies to every tool of the registry, against the compiled binary: never a
 * 5xx, and the server still answers afterwards. The seed is fixed (FUZZ_SEED overrides it, e.g.
 * `FUZZ_SEED=$RANDOM bun test test/transports/http/fuzz.test.ts`); a failure prints seed and body.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261125)
const BODIES = Number(process.env.FUZZ_BODIES ?? 3000)
const CONCURRENCY = 8


const rand = prng(SEED)
const int = (n: number) => Math.floor(rand() * n)
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!

/** JSON number spellings beyond every range a tool accepts, as raw text. */
const WILD_NUMBERS = [
  '1e309', '-1e309', '1e-400', '18446744073709551616', '-9223372036854775809', '9223372036854775807',
  '123456789012345678901234567890', '-0', '0.5', '-1', '-2.5', '1.0', '4.9e-324', '1.7976931348623157e308',
  '2e0', '9007199254740993', '0.1e1', '-9007199254740993',
]
const WILD_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '../../etc/passwd', '/abs', '..', 'CON', "x'; DROP TABLE metrics; --", '"', '\\',
  '\ud800', '\udfff', '😀'.repeat(50), 'é'.repeat(1000), 'x'.repeat(20000), '%00', '\u202e', 'null', '1', 'true',
  '2026-01-01T00:00:00', 'not a date', 'NaN', 'Infinity',
]

/** Raw JSON text of a random value; `depth` bounds the nesting. */
function randomJson(depth: number): string {
  const k = int(depth > 0 ? 9 : 5)
  switch (k) {
    case 0: return 'null'
    case 1: return pick(['true', 'false'])
    case 2: return pick(WILD_NUMBERS)
    case 3: return JSON.stringify(pick(WILD_STRINGS))
    case 4: return String(int(1000) - 500)
    case 5: case 6: {
      const n = int(5)
      return `[${Array.from({ length: n }, () => randomJson(depth - 1)).join(',')}]`
    }
    default: {
      const n = int(5)
      const keys = ['project', 'run', 'run_id', 'metrics', 'step', 'logs', 'args', 'kwargs', 'data', 'x', '__proto__', 'constructor']
      return `{${Array.from({ length: n }, () => `${JSON.stringify(pick(keys))}:${randomJson(depth - 1)}`).join(',')}}`
    }
  }
}

let projects: string[] = []
let runs: string[] = []

function swapType(v: unknown): unknown {
  return pick<unknown>([null, true, 0, -1, 1.5, 2 ** 64, '', 'x'.repeat(5000), [], [v], {}, { v }, pick(WILD_STRINGS)])
}

/** Mutate a copy of an object (recursively, sometimes) in one of many ways. */
function mutateValue(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object') return rand() < 0.5 ? swapType(v) : v
  if (Array.isArray(v)) {
    const a = v.map((x) => (rand() < 0.4 ? mutateValue(x, depth + 1) : x))
    const r = rand()
    if (r < 0.15) return []
    if (r < 0.3) return Array.from({ length: 1 + int(300) }, () => a[0] ?? null)
    if (r < 0.4) return [...a, ...a]
    return a
  }
  const o: Record<string, unknown> = { ...(v as Record<string, unknown>) }
  const keys = Object.keys(o)
  const times = 1 + int(3)
  for (let i = 0; i < times; i++) {
    const key = keys.length ? pick(keys) : 'x'
    switch (int(10)) {
      case 0: delete o[key]; break
      case 1: o[key] = swapType(o[key]); break
      case 2: o[key] = pick(WILD_STRINGS); break
      case 3: o[key] = Number(pick(WILD_NUMBERS)); break
      case 4: o[key] = depth < 3 ? mutateValue(o[key], depth + 1) : null; break
      case 5: o[pick(['extra', 'write_token', 'hf_token', 'args', 'kwargs', 'data', 'step', 'run_id'])] = swapType(null); break
      case 6: if (key === 'project' || rand() < 0.3) o.project = pick(projects); break
      case 7: if ('run' in o || 'old_name' in o || rand() < 0.3) o[pick(['run', 'old_name', 'new_name', 'run_id'])] = pick(runs); break
      case 8: o[key] = 'é😀\u0000'.repeat(1 + int(2000)); break
      default: o[key] = { deep: Array.from({ length: 10 }).reduce<unknown>((acc) => [acc], 1) }
    }
  }
  return o
}

/** Replace a random numeric literal of `text` with a wild spelling (JSON.stringify cannot write those). */
function wildNumbers(text: string): string {
  return text.replace(/-?\d+(\.\d+)?(e-?\d+)?/g, (m) => (rand() < 0.5 ? pick(WILD_NUMBERS) : m))
}

function wrapForm(body: unknown): unknown {
  const form = int(6)
  if (form === 0 && body && typeof body === 'object' && !Array.isArray(body)) return { kwargs: body }
  if (form === 1 && body && typeof body === 'object' && !Array.isArray(body)) return { args: Object.values(body) }
  if (form === 2 && body && typeof body === 'object' && !Array.isArray(body)) return { data: Object.values(body) }
  if (form === 3 && body && typeof body === 'object' && !Array.isArray(body)) return { args: Object.values(body).slice(1), kwargs: swapType(body) }
  return body
}

type Body = string | Uint8Array

function randomBody(example: Record<string, unknown>): Body {
  const r = rand()
  if (r < 0.05) return Uint8Array.from({ length: int(200) }, () => int(256))
  if (r < 0.1) return new Uint8Array([0x7b, 0x22, 0x70, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x80, 0x22, 0x7d]) // {"p":"<invalid utf-8>"}
  if (r < 0.18) return randomJson(4)
  if (r < 0.22) return '['.repeat(50 + int(5000)) + ']'.repeat(int(3) ? 0 : 5000)
  if (r < 0.25) return `{"project":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`
  let text = JSON.stringify(wrapForm(mutateValue(example)))
  if (rand() < 0.2) text = wildNumbers(text)
  if (rand() < 0.1) text = text.replace(/"(\w+)":/, (m) => `${m}1,${m}`) // duplicate key
  if (rand() < 0.1) text = text.slice(0, int(text.length)) // truncated
  if (rand() < 0.05) text = text.replace(/\\u0000/g, '\\ud800')
  return text
}

const CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '']

let server: Server
let dataDir: string

beforeAll(async () => {
  dataDir = copyFixtures('basic', 'edge')
  server = await startServer(dataDir)
  projects = (await (await fetch(`${server.url}/api/get_all_projects`, { method: 'POST', body: '{}' })).json() as { data: string[] }).data
  for (const p of projects.slice(0, 4)) {
    const r = (await (await fetch(`${server.url}/api/get_runs_for_project`, { method: 'POST', body: JSON.stringify({ project: p }) })).json()) as { data?: string[] }
    runs.push(...(r.data ?? []))
  }
  projects.push('no-such-project', '../../etc/passwd')
  runs.push('no-such-run', '../../x')
})

afterAll(async () => {
  await server?.stop()
})

test(`${BODIES} random and mutated bodies to every tool: never a 5xx (seed ${SEED})`, async () => {
  const failures: string[] = []
  let done = 0
  const statuses = new Map<number, number>()
  const one = async () => {
    const tool = pick(TOOLS)
    const body = randomBody(tool.example)
    const headers: Record<string, string> = {}
    const ct = pick(CONTENT_TYPES)
    if (ct) headers['content-type'] = ct
    const auth = int(3)
    if (auth === 0) headers['x-trackio-write-token'] = server.token
    else if (auth === 1) headers['x-trackio-write-token'] = 'wrong'
    const r = await fetch(`${server.url}/api/${tool.name}`, { method: 'POST', headers, body })
    const text = await r.text()
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {}
    const ok = r.status < 500 && json !== null && typeof json === 'object' && (r.status === 200 ? 'data' in json : typeof (json as { error?: unknown }).error === 'string')
    if (!ok) {
      const shown = typeof body === 'string' ? body.slice(0, 300) : `bytes ${Buffer.from(body.subarray(0, 60)).toString('hex')}`
      failures.push(`${tool.name} ${r.status} ${text.slice(0, 300)} <= ${shown}`)
    }
  }
  const worker = async () => {
    while (done < BODIES) {
      done++
      await one()
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  console.log(`fuzz seed ${SEED}: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`)
  if (failures.length) console.error(`fuzz seed ${SEED}: ${failures.length} failures\n${failures.slice(0, 15).join('\n')}`)
  expect(failures).toEqual([])
  expect(statuses.get(200) ?? 0).toBeGreaterThan(BODIES / 50)
  const v = await fetch(`${server.url}/version`)
  expect(v.status).toBe(200)
  expect(server.proc.exitCode).toBeNull()
  const ok = await fetch(`${server.url}/api/get_all_projects`, { method: 'POST', body: '{}' })
  expect(ok.status).toBe(200)
}, 120_000)
