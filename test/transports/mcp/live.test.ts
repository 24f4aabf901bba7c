import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ChangeWatcher, type ProjectChange } from '../../../src/storage/read/change-watch'
import { Storage } from '../../../src/storage/db/connection'
import { LiveHub, touches } from '../../../src/transports/mcp/live'
import { metricUri, parseUri, runsUri, runUri } from '../../../src/transports/mcp/uris'
import { copyFixtures } from '../../helpers'

const change = (o: Partial<ProjectChange>): ProjectChange => ({ project: 'p', newSteps: [], newAlerts: [], created: [], deleted: [], renamed: [], ...o })
const ref = (uri: string) => parseUri(uri)!

describe('touches: which changes a resource hears about', () => {
  const run = ref(runUri('p', 'a'))
  const metric = ref(metricUri('p', 'a', 'loss'))
  const runs = ref(runsUri('p'))
  test('a run hears its new steps and alerts; its metrics hear steps only', () => {
    expect(touches(run, change({ newSteps: [{ id: '1', name: 'a' }] }))).toBe(true)
    expect(touches(run, change({ newAlerts: [{ id: '1', name: 'a' }] }))).toBe(true)
    expect(touches(metric, change({ newSteps: [{ id: '1', name: 'a' }] }))).toBe(true)
    expect(touches(metric, change({ newAlerts: [{ id: '1', name: 'a' }] }))).toBe(false)
    expect(touches(run, change({ newSteps: [{ id: '2', name: 'b' }] }))).toBe(false)
    expect(touches(run, change({ project: 'q', newSteps: [{ id: '1', name: 'a' }] }))).toBe(false)
  })
  test('rename (either name), delete and a vanished project reach the run; the run list hears the run set only', () => {
    expect(touches(run, change({ renamed: [{ id: '1', from: 'a', to: 'z' }] }))).toBe(true)
    expect(touches(run, change({ renamed: [{ id: '1', from: 'z', to: 'a' }] }))).toBe(true)
    expect(touches(run, change({ deleted: [{ id: '1', name: 'a' }] }))).toBe(true)
    expect(touches(run, change({ appeared: false }))).toBe(true)
    expect(touches(runs, change({ created: [{ id: '3', name: 'c' }] }))).toBe(true)
    expect(touches(runs, change({ newSteps: [{ id: '1', name: 'a' }] }))).toBe(false)
    expect(touches(ref('trackio://projects'), change({ appeared: true }))).toBe(true)
    expect(touches(ref('trackio://projects'), change({ created: [{ id: '3', name: 'c' }] }))).toBe(false)
  })
  test('a project named in any spelling matches its stem', () => {
    expect(touches(ref(runUri('my project!', 'a')), change({ project: 'myproject', newSteps: [{ id: '1', name: 'a' }] }))).toBe(true)
  })
})

describe('LiveHub over a real watcher', () => {
  let dir: string
  let storage: Storage
  let watcher: ChangeWatcher
  const RUN_ID = '16a8a185bce44474b874ab14bfdff944'
  const append = (step: number) => {
    const db = new Database(join(dir, 'image-classification.db'))
    db.run('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)', [RUN_ID, new Date().toISOString(), 'baseline', step, '{"loss": 0.1}'])
    db.close()
  }
  beforeAll(() => {
    dir = copyFixtures('basic')
    storage = new Storage(dir)
    watcher = new ChangeWatcher(storage, { pollMs: 3_600_000 })
  })
  afterAll(() => {
    watcher.close()
    storage.close()
  })

  test('legacy sessions and modern holds hear each subscribed URI once per check; unsubscribe, release and close stop it', () => {
    const modern: string[] = []
    const hub = new LiveHub(watcher, { resourceUpdated: (u) => modern.push(u), resourcesChanged: () => modern.push('list') })
    const heard: string[] = []
    const uri = runUri('image-classification', 'baseline')
    const loss = metricUri('image-classification', 'baseline', 'loss')
    const s = hub.session({ updated: (u) => heard.push(u), listChanged: () => heard.push('list') })
    s.subscribe(uri)
    s.subscribe(loss)
    s.subscribe('not a trackio uri')
    expect(s.size).toBe(2)
    const release = hub.hold([uri, uri])
    const release2 = hub.hold([uri])
    expect(hub.heldUris).toBe(1)
    watcher.check() // baseline
    append(150)
    watcher.check()
    expect(heard.sort()).toEqual([loss, uri].sort())
    expect(modern).toEqual([uri])
    release()
    release()
    expect(hub.heldUris).toBe(1)
    release2()
    expect(hub.heldUris).toBe(0)
    s.unsubscribe(loss)
    heard.length = modern.length = 0
    append(151)
    watcher.check()
    expect(heard).toEqual([uri])
    expect(modern).toEqual([])
    s.close()
    heard.length = 0
    append(152)
    watcher.check()
    expect(heard).toEqual([])
  })

  test('a failing subscriber does not keep the others from hearing', () => {
    const hub = new LiveHub(watcher, { resourceUpdated: () => {}, resourcesChanged: () => {} })
    const uri = runUri('image-classification', 'baseline')
    const broken = hub.session({ updated: () => { throw new Error('stream closed') }, listChanged: () => {} })
    broken.subscribe(uri)
    const heard: string[] = []
    hub.session({ updated: (u) => heard.push(u), listChanged: () => {} }).subscribe(uri)
    append(153)
    watcher.check()
    expect(heard).toEqual([uri])
  })
})
