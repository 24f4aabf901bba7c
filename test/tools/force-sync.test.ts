import { describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import forceSync from '../../src/tools/force-sync'
import triggerSync from '../../src/tools/trigger-sync'
import { appCaller, copyFixtures, WRITE_HEADERS } from '../helpers'

const parquets = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort()

describe('force_sync', () => {
  test('Trackio’s HTTP name for trigger_sync: the same tool, offered over HTTP only', () => {
    expect(forceSync.name).toBe('force_sync')
    expect(forceSync.httpOnly).toBe(true)
    expect(triggerSync.httpOnly).toBe(false)
    expect(forceSync.access).toBe('write')
    expect(forceSync.description).toBe(triggerSync.description)
    expect(forceSync.notes).toBe(triggerSync.notes)
  })

  test('writes the same parquet files trigger_sync writes', async () => {
    const a = copyFixtures('basic')
    const b = copyFixtures('basic')
    expect((await appCaller(a)('force_sync', {}, WRITE_HEADERS)).json).toEqual({ data: true })
    expect((await appCaller(b)('trigger_sync', {}, WRITE_HEADERS)).json).toEqual({ data: true })
    expect(parquets(a).length).toBeGreaterThan(0)
    expect(parquets(a)).toEqual(parquets(b))
  })
})
