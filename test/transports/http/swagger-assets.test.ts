import { describe, expect, test } from 'bun:test'
import { SWAGGER_BUNDLE_PATH, SWAGGER_CSS_PATH, swaggerAssets } from '../../../src/transports/http/swagger-assets'

const get = (path: string) => swaggerAssets.handle(new Request(`http://localhost${path}`))

describe('Swagger UI assets', () => {
  test('the bundle is Swagger UI’s script, served as JavaScript and cached for a day', async () => {
    const r = await get(SWAGGER_BUNDLE_PATH)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/javascript; charset=utf-8')
    expect(r.headers.get('cache-control')).toBe('max-age=86400')
    const js = await r.text()
    expect(js.length).toBeGreaterThan(500_000)
    expect(js).toContain('SwaggerUIBundle')
  })

  test('the stylesheet is served as CSS', async () => {
    const r = await get(SWAGGER_CSS_PATH)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(await r.text()).toContain('.swagger-ui')
  })

  test('the paths are the ones the Swagger page links to; nothing else is served', async () => {
    expect(SWAGGER_BUNDLE_PATH).toBe('/swagger-assets/swagger-ui-bundle.js')
    expect(SWAGGER_CSS_PATH).toBe('/swagger-assets/swagger-ui.css')
    expect((await get('/swagger-assets/other.js')).status).toBe(404)
  })
})
