import { describe, expect, test } from 'bun:test'
import { chmodSync } from 'node:fs'
import { createServer } from 'node:net'
import { BINARY, copyFixtures, ensureBinary, readUntil, startServer, tempDir } from '../helpers'

async function run(args: string[], env: Record<string, string> = {}) {
  await ensureBinary()
  const p = Bun.spawn([BINARY, ...args], { env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ...env }, stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = [await new Response(p.stdout).text(), await new Response(p.stderr).text(), await p.exited]
  return { out, err, code }
}

describe('trackio CLI', () => {
  test('--help and --version', async () => {
    const h = await run(['--help'])
    expect(h.code).toBe(0)
    expect(h.out).toContain('trackio show')
    const sh = await run(['show', '--help'])
    expect(sh.out).toContain('--mcp-server')
    expect(sh.out).toContain('GRADIO_SERVER_PORT')
    const v = await run(['--version'])
    expect(v.out).toMatch(/^trackio \d+\.\d+\.\d+\n$/)
  })

  test('an unknown flag or command is a clear usage error', async () => {
    const r = await run(['show', '--prot', '80'])
    expect(r.code).toBe(2)
    expect(r.err).toContain("unknown option '--prot'")
    const c = await run(['serve'])
    expect(c.code).toBe(2)
    expect(c.err).toContain("unknown command 'serve'")
    const p = await run(['show', '--port', 'abc'])
    expect(p.code).toBe(2)
    expect(p.err).toContain('--port')
  })

  test('startup prints the URL, then the write URL with the token', async () => {
    const s = await startServer(copyFixtures('basic'), ['--project', 'llm-finetune'], { TRACKIO_WRITE_TOKEN: 'secret-token_1' })
    try {
      const lines = s.output().split('\n')
      expect(lines[0]).toBe(`* Trackio server running at: http://127.0.0.1:${s.port}/?project=llm-finetune`)
      expect(lines[1]).toBe('')
      expect(lines[2]).toBe(`* Trackio dashboard with write access at: http://127.0.0.1:${s.port}?project=llm-finetune&write_token=secret-token_1`)
      // Nothing opened a browser, so nothing says so.
      expect(s.output()).not.toMatch(/opened in browser/)
      expect(s.token).toBe('secret-token_1')
    } finally {
      await s.stop()
    }
  })

  test('binding a non-loopback address prints a warning naming the risk', async () => {
    const s = await startServer(copyFixtures('basic'), ['--host', '0.0.0.0'])
    try {
      await Bun.sleep(100)
      expect(s.output()).toContain(`* Trackio server running at: http://localhost:${s.port}/`)
      expect(s.output()).toContain('* Warning: bound to 0.0.0.0, reachable from other machines')
      expect(s.output()).toContain('--allowed-hosts')
      const loop = await startServer(copyFixtures('basic'))
      expect(loop.output()).not.toContain('Warning')
      await loop.stop()
    } finally {
      await s.stop()
    }
  })

  test('a generated token is 43 URL-safe characters', async () => {
    const s = await startServer(copyFixtures('basic'))
    try {
      expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    } finally {
      await s.stop()
    }
  })

  test('a busy port makes it try the next one', async () => {
    const blocker = createServer().listen(0, '127.0.0.1')
    await new Promise((r) => blocker.once('listening', r))
    const busy = (blocker.address() as { port: number }).port
    await ensureBinary()
    const p = Bun.spawn([BINARY, 'show'], {
      env: { PATH: process.env.PATH ?? '', HOME: '/tmp', TRACKIO_DIR: tempDir(), GRADIO_SERVER_PORT: String(busy) },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    try {
      const out = await readUntil(p.stdout, (t) => t.includes('write access'))
      const port = Number(out.match(/127\.0\.0\.1:(\d+)\//)?.[1])
      expect(port).toBeGreaterThan(busy)
      expect(port).toBeLessThan(busy + 100)
    } finally {
      p.kill('SIGTERM')
      await p.exited
      blocker.close()
    }
  })

  test('SIGTERM and SIGINT stop it cleanly (exit code 0)', async () => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const s = await startServer(copyFixtures('basic'))
      s.proc.kill(sig)
      const code = await s.proc.exited
      expect(code).toBe(0)
    }
  })

  test('the binary alone runs from an empty directory with no node_modules anywhere', async () => {
    await ensureBinary()
    const dir = tempDir()
    const copy = `${dir}/trackio`
    await Bun.write(copy, Bun.file(BINARY))
    chmodSync(copy, 0o755)
    const p = Bun.spawn([copy, 'show', '--port', '0'], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', HOME: dir, TRACKIO_DIR: copyFixtures('basic') },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    try {
      const out = await readUntil(p.stdout, (t) => t.includes('write access'))
      const port = out.match(/127\.0\.0\.1:(\d+)\//)?.[1]
      const css = await fetch(`http://127.0.0.1:${port}/swagger-assets/swagger-ui.css`)
      expect(css.status).toBe(200)
      const r = await fetch(`http://127.0.0.1:${port}/api/get_all_projects`, { method: 'POST' })
      expect(await r.text()).toBe('{"data":["image-classification","llm-finetune"]}')
    } finally {
      p.kill('SIGTERM')
      await p.exited
    }
  })
})
