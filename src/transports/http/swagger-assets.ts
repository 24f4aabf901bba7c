import { Elysia } from 'elysia'
import bundleJs from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import css from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }

export const SWAGGER_BUNDLE_PATH = '/swagger-assets/swagger-ui-bundle.js'
export const SWAGGER_CSS_PATH = '/swagger-assets/swagger-ui.css'

/** Swagger UI's script and stylesheet, embedded in the binary so /swagger works with no network. */
export const swaggerAssets = new Elysia({ name: 'swagger-assets' })
  .get(SWAGGER_BUNDLE_PATH, () => new Response(Bun.file(bundleJs), { headers: { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'max-age=86400' } }), { detail: { hide: true } })
  .get(SWAGGER_CSS_PATH, () => new Response(Bun.file(css), { headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=86400' } }), { detail: { hide: true } })
