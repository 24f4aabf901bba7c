import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { writeDemoData } from '../../src/cli/demo'
import { python3, tempDir } from '../helpers'

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0)
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/
const tmp = tempDir

/** Every row of every table, as text, for whole-directory comparisons. */
function dump(dir: string): string {
  let out = ''
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.db')).sort()) {
    const db = new Database(join(dir, f), { readonly: true, safeIntegers: true })
    for (const t of ['metrics', 'configs', 'system_metrics', 'alerts']) {
      for (const row of db.query(`SELECT * FROM ${t} ORDER BY id`).values()) out += `${f}|${t}|${row.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString() : String(v))).join('|')}\n`
    }
    db.close()
  }
  return out
}

/** Facts about a demo directory, computed by Python's sqlite3 + json (what Trackio would see). */
function pythonFacts(dir: string): Record<string, any> {
  const code = `import sqlite3,json,sys,os,glob
out={}
for path in sorted(glob.glob(os.path.join(sys.argv[1],'*.db'))):
    c=sqlite3.connect(path); p=os.path.basename(path)[:-3]; runs={}
    for rid,name,step,ts,blob,tm in c.execute('select run_id,run_name,step,timestamp,metrics,typeof(metrics) from metrics order by id'):
        m=json.loads(blob); r=runs.setdefault(rid,{'name':name,'rows':0,'steps':[],'ts':[],'types':{},'val':0,'blob':True})
        r['rows']+=1; r['steps'].append(step); r['ts'].append(ts); r['blob']&=tm=='blob'
        if 'val' in m: r['val']+=1; assert isinstance(m['val'],dict)
        for k,v in m.items(): r['types'].setdefault(k,type(v).__name__)
    cfg={rid:json.loads(b) for rid,b in c.execute('select run_id,config from configs')}
    sysm={rid:[n,[json.loads(b) for (b,) in c.execute('select metrics from system_metrics where run_id=?',(rid,))]] for rid,n in c.execute('select distinct run_id,run_name from system_metrics')}
    alerts=[list(a) for a in c.execute('select run_id,level,step,timestamp from alerts order by id')]
    out[p]={'runs':runs,'configs':cfg,'system':{k:[v[0],len(v[1]),sorted(v[1][0].keys())] for k,v in sysm.items()},'alerts':alerts}
print(json.dumps(out))`
  const r = Bun.spawnSync([python3(), '-c', code, dir])
  if (r.exitCode !== 0) throw new Error(r.stderr.toString())
  return JSON.parse(r.stdout.toString())
}

describe('writeDemoData', () => {
  test('writes three realistic projects that Python reads back', async () => {
    const dir = tmp()
    const summary = await writeDemoData(dir, { seed: 3, now: NOW })
    expect(summary.projects.map((p) => p.project)).toEqual(['mnist-classifier', 'llm-finetune', 'rl-cartpole'])
    expect(readdirSync(dir).sort()).toEqual(['llm-finetune.db', 'llm-finetune.lock', 'mnist-classifier.db', 'mnist-classifier.lock', 'rl-cartpole.db', 'rl-cartpole.lock'])
    const facts = pythonFacts(dir)
    let metricRows = 0
    for (const p of summary.projects) {
      expect(p.runs.length).toBeGreaterThanOrEqual(2)
      expect(p.runs.length).toBeLessThanOrEqual(4)
      const f = facts[p.project]
      for (const run of p.runs) {
        const r = f.runs[run.id]
        expect(run.id).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/)
        expect(r.name).toBe(run.name)
        expect(r.blob).toBe(true)
        expect(r.rows).toBe(run.metricRows)
        expect(run.steps).toBeGreaterThanOrEqual(150)
        expect(r.steps).toEqual(Array.from({ length: run.steps }, (_, i) => i))
        expect(r.val).toBe(Math.ceil(run.steps / 10))
        expect(r.types.epoch).toBe('int')
        // Several flushes, several rows each, in time order, all in the past.
        const distinct = new Set<string>(r.ts)
        expect(distinct.size).toBeGreaterThan(5)
        expect(distinct.size).toBeLessThan(r.rows / 3)
        expect([...r.ts].sort()).toEqual(r.ts)
        for (const t of r.ts) expect(t).toMatch(TS)
        expect(Date.parse(r.ts.at(-1))).toBeLessThan(NOW)
        const cfg = f.configs[run.id]
        expect(Object.keys(cfg).slice(-3)).toEqual(['_Username', '_Created', '_Group'])
        expect(cfg._Username).toBeNull()
        expect(cfg._Created).toMatch(TS)
        expect(cfg._Created < r.ts[0]).toBe(true)
        expect(f.system[run.id][0]).toBe(run.name)
        expect(f.system[run.id][1]).toBe(run.systemRows)
        metricRows += run.metricRows
      }
    }
    expect(summary.metricRows).toBe(metricRows)
    const mnist = facts['mnist-classifier']
    const first = Object.values(mnist.runs)[0] as { types: Record<string, string> }
    expect(first.types).toMatchObject({ loss: 'float', acc: 'float', lr: 'float', epoch: 'int', 'train/grad_norm': 'float', val: 'dict' })
    expect(Object.values(mnist.system)[0]).toEqual([expect.any(String), expect.any(Number), expect.arrayContaining(['gpu/0/utilization', 'cpu/utilization', 'memory/percent'])])
    expect(Object.values(mnist.configs).map((c: any) => c._Group)).toEqual(['lr-sweep', 'lr-sweep', null])
    const levels = new Set(Object.values(facts).flatMap((p: any) => p.alerts.map((a: unknown[]) => a[1])))
    expect([...levels].sort()).toEqual(['error', 'info', 'warn'])
    expect(summary.alerts).toBe(Object.values(facts).reduce((n: number, p: any) => n + p.alerts.length, 0))
    expect(Object.keys(facts['llm-finetune'].runs[summary.projects[1]!.runs[0]!.id].types)).toContain('train/loss')
  }, 60_000)

  test('deterministic for a seed and time base; re-running adds nothing', async () => {
    const a = tmp()
    const b = tmp()
    await writeDemoData(a, { seed: 11, now: NOW })
    await writeDemoData(b, { seed: 11, now: NOW })
    const dumpA = dump(a)
    expect(dumpA.length).toBeGreaterThan(10000)
    expect(dump(b)).toBe(dumpA)
    const again = await writeDemoData(a, { seed: 11, now: NOW })
    expect(again.metricRows).toBe(0)
    expect(again.systemRows).toBe(0)
    expect(again.alerts).toBe(0)
    const c = tmp()
    await writeDemoData(c, { seed: 12, now: NOW })
    expect(dump(c)).not.toBe(dumpA)
  }, 120_000)
})
