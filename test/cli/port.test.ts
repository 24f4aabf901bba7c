import { describe, expect, test } from 'bun:test'
import { BINARY, copyFixtures, ensureBinary, readUntil, startServer, tempDir } from '../helpers'

/** Bun listens with SO_REUSEPORT unless told not to: a second server on a taken port would share it. */
describe('a port of its own', () => {
  test('--port P fails clearly when another trackio serves P', async () => {
    const first = await startServer(copyFixtures('basic'))
    try {
      await ensureBinary()
      const p = Bun.spawn([BINARY, 'show', '--port', String(first.port)], {
        env: { PATH: process.env.PATH ?? '', HOME: '/tmp', TRACKIO_DIR: tempDir() },
        stdout: 'pipe',
        stderr: 'pipe',
      })
      const timer = setTimeout(() => p.kill('SIGKILL'), 15000)
      const [out, err, code] = [await new Response(p.stdout).text(), await new Response(p.stderr).text(), await p.exited]
      clearTimeout(timer)
      expect(out).not.toContain('write access')
      expect(code).toBe(1)
      expect(err).toContain(`${first.port}`)
      expect(err).toMatch(/in use/i)
      // The first server still answers every request alone.
      for (let i = 0; i < 4; i++) {
        const r = await fetch(`${first.url}/api/get_all_projects`, { method: 'POST' })
        expect(await r.text()).toBe('{"data":["image-classification","llm-finetune"]}')
      }
    } finally {
      await first.stop()
    }
  })

  test('GRADIO_SERVER_PORT=P moves on to the next free port when another trackio serves P', async () => {
    const first = await startServer(copyFixtures('basic'))
    await ensureBinary()
    const p = Bun.spawn([BINARY, 'show'], {
      env: { PATH: process.env.PATH ?? '', HOME: '/tmp', TRACKIO_DIR: tempDir(), GRADIO_SERVER_PORT: String(first.port) },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    try {
      const out = await readUntil(p.stdout, (t) => t.includes('write access'))
      const port = Number(out.match(/127\.0\.0\.1:(\d+)\//)?.[1])
      expect(port).toBeGreaterThan(first.port)
      expect(port).toBeLessThan(first.port + 100)
      for (let i = 0; i < 4; i++) {
        const a = await fetch(`${first.url}/api/get_all_projects`, { method: 'POST' })
        expect(await a.text()).toBe('{"data":["image-classification","llm-finetune"]}')
        const b = await fetch(`http://127.0.0.1:${port}/api/get_all_projects`, { method: 'POST' })
        expect(await b.text()).toBe('{"data":[]}')
      }
    } finally {
      p.kill('SIGTERM')
      await p.exited
      await first.stop()
    }
  })
})
