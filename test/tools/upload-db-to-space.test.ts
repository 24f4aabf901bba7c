import { expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { copyFixtures, inProcessApp } from '../helpers'

test('needs the write token, then refuses with a 400 that says why and what to do; nothing is replaced', async () => {
  const dir = copyFixtures('basic')
  const { call } = await inProcessApp(dir)
  expect((await call('upload_db_to_space', { project: 'llm-finetune', uploaded_db: { path: '/etc/passwd' } })).status).toBe(401)
  const r = await call('upload_db_to_space', { project: 'llm-finetune', uploaded_db: { path: '/etc/passwd' }, hf_token: null }, { 'x-trackio-write-token': 'test-token' })
  expect(r.status).toBe(400)
  expect(r.json.error).toContain('Hugging Face Space / Hub functionality')
  expect(r.json.error).toContain('server_url=')
  expect(existsSync(join(dir, 'llm-finetune.db'))).toBe(true)
  expect((await call('get_runs_for_project', { project: 'llm-finetune' })).json.data.length).toBe(3)
})
