import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import { cpSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Storage } from '../../../src/storage/db/connection'
import { checkRegistryName, listRegistries, registryDetails } from '../../../src/storage/read/registries'
import { FIXTURES, tempDir } from '../../helpers'

/** Answers on Trackio-written registries are compared with Trackio's in test/tools/get-registr*.test.ts. */

test('only registry-*.db files with a creation marker are registries', () => {
  const dir = tempDir()
  cpSync(join(FIXTURES, 'artifacts'), dir, { recursive: true })
  // an interrupted creation: the file exists, the marker does not
  const db = new Database(join(dir, 'registry-halfway.db'))
  db.run('CREATE TABLE project_metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
  db.close()
  writeFileSync(join(dir, 'registry-not.a.name.db'), '')
  const s = new Storage(dir)
  const names = (listRegistries(s) as unknown as { name: string }[]).map((r) => r.name)
  expect(names).toEqual(['empty', 'models'])
  expect(() => registryDetails(s, 'halfway')).toThrow("Registry 'halfway' does not exist locally.")
  s.close()
})

test('details: collections by type then name, links newest first with sorted aliases, events oldest first', () => {
  const dir = tempDir()
  cpSync(join(FIXTURES, 'artifacts'), dir, { recursive: true })
  const s = new Storage(dir)
  const d = registryDetails(s, 'models') as unknown as { collections: { name: string; links: { collection_version: number; aliases: string[] }[] }[]; events: { id: number }[] }
  expect(d.collections.map((c) => c.name)).toEqual(['data', 'classifier'])
  const classifier = d.collections[1]!
  expect(classifier.links.map((l) => l.collection_version)).toEqual([1, 0])
  expect(classifier.links[0]!.aliases).toEqual(['latest', 'prod'])
  const ids = d.events.map((e) => e.id)
  expect(ids).toEqual([...ids].sort((a, b) => a - b))
  s.close()
})

test('registry names are checked before any file is named', () => {
  for (const bad of ['../x', 'a.b', '', 'a/b', 'x\u0000']) expect(() => checkRegistryName(bad)).toThrow('must match ^[A-Za-z0-9_-]+$')
  expect(checkRegistryName('ok_1-2')).toBe('ok_1-2')
})
