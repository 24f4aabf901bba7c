import { describe, expect, test } from 'bun:test'
import { copyFixtures, inProcessApp } from '../../helpers'

const TOKEN = 'dash-token_123'
const { app, call } = await inProcessApp(copyFixtures('basic'), TOKEN)
const get = (path: string, headers: Record<string, string> = {}) => app.handle(new Request(`http://localhost${path}`, { headers }))

describe('dashboard route', () => {
  test('/ is the page: HTML with its embedded script and stylesheet, a same-origin content policy, read-only without a token', async () => {
    const r = await get('/')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'")
    const html = await r.text()
    expect(html).toContain('<meta name="trackio-write-access" content="no">')
    // The one inline script (asks for the runs overview early) is allowed by its hash and nothing else inline.
    const inline = [...html.matchAll(/<script>([^<]*)<\/script>/g)].map((m) => m[1]!)
    expect(inline).toHaveLength(1)
    expect(inline[0]).toContain("fetch('/api/get_runs_overview'")
    const hash = new Bun.CryptoHasher('sha256').update(inline[0]!).digest('base64')
    expect(r.headers.get('content-security-policy')).toContain(`script-src 'self' 'sha256-${hash}';`)
    expect(r.headers.get('content-security-policy')!.split(';').find((d) => d.trim().startsWith('script-src'))).not.toContain('unsafe-inline')
    const js = html.match(/src="(\/dashboard\/app\.[a-z0-9]+\.js)"/)![1]!
    const css = html.match(/href="(\/dashboard\/app\.[a-z0-9]+\.css)"/)![1]!
    const jr = await get(js)
    expect(jr.headers.get('content-type')).toBe('application/javascript; charset=utf-8')
    expect(jr.headers.get('cache-control')).toContain('immutable')
    const code = await jr.text()
    expect(code).toContain('get_runs_overview')
    expect(code).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/i)
    const cr = await get(css)
    expect(cr.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(await cr.text()).toContain('.u-over')
  })

  test('?write_token= (right) becomes an HttpOnly SameSite=Strict cookie and leaves the address; other parameters stay', async () => {
    const r = await get(`/?project=llm-finetune&write_token=${TOKEN}&tab=runs`)
    expect(r.status).toBe(303)
    expect(r.headers.get('location')).toBe('/?project=llm-finetune&tab=runs')
    const cookie = r.headers.get('set-cookie')!
    expect(cookie).toContain(`trackio_write_token=${TOKEN}`)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Strict')
    expect(cookie).toContain('Path=/')
    expect(cookie).not.toContain('Secure')
    const proxied = await get(`/?write_token=${TOKEN}`, { 'x-forwarded-proto': 'https' })
    expect(proxied.headers.get('set-cookie')).toContain('; Secure')
    const page = await (await get('/?project=llm-finetune', { cookie: `trackio_write_token=${TOKEN}` })).text()
    expect(page).toContain('<meta name="trackio-write-access" content="yes">')
  })

  test('a wrong or empty ?write_token= sets no cookie and the page says so', async () => {
    for (const bad of ['wrong', '']) {
      const r = await get(`/?write_token=${bad}`)
      expect(r.status).toBe(303)
      expect(r.headers.get('set-cookie')).toBeNull()
      expect(r.headers.get('location')).toBe('/?token=rejected')
    }
    const page = await (await get('/?token=rejected')).text()
    expect(page).toContain('<meta name="trackio-notice" content="rejected">')
    expect(page).toContain('content="no"')
    const wrongCookie = await (await get('/', { cookie: 'trackio_write_token=nope' })).text()
    expect(wrongCookie).toContain('<meta name="trackio-write-access" content="no">')
  })

  test('the cookie is what lets the page rename a run; without it the API refuses', async () => {
    const runs = (await call('get_runs_for_project', { project: 'llm-finetune' })).json.data as { name: string }[]
    const name = runs[0]!.name
    const refused = await call('rename_run', { project: 'llm-finetune', old_name: name, new_name: 'x-renamed' })
    expect(refused.status).toBe(401)
    const ok = await call('rename_run', { project: 'llm-finetune', old_name: name, new_name: 'x-renamed' }, { cookie: `trackio_write_token=${TOKEN}` })
    expect(ok.status).toBe(200)
    expect(ok.json.data).toBe(true)
  })
})
