import { Elysia } from 'elysia'
import { dashboardCss, dashboardJs } from '../../web/bundle' with { type: 'macro' }
import { presentedToken, tokenMatches } from '../../tools/core/write-token'

/** Inlined at build time by the macro (see src/web/bundle.ts): no file is read at run time. */
const JS: string = dashboardJs()
const CSS: string = dashboardCss()
const VERSION_TAG = Bun.hash(JS + CSS).toString(36)

export const DASHBOARD_JS_PATH = `/dashboard/app.${VERSION_TAG}.js`
export const DASHBOARD_CSS_PATH = `/dashboard/app.${VERSION_TAG}.css`
/** Seven days, as Trackio keeps its write-token cookie. */
const COOKIE_MAX_AGE = 60 * 60 * 24 * 7
export const WRITE_COOKIE = 'trackio_write_token'
const COOKIE_SAFE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/

/**
 * Asks for the runs overview of the project in the address while the page's script still loads (its first
 * chart waits on that answer) and parses it as it arrives; src/web/api.ts takes the reply from `trackioEarly`
 * (the same shape as its own). Allowed by its hash alone.
 */
const EARLY_SCRIPT =
  "(function(){var p=new URLSearchParams(location.search).get('project');if(!p)return;var b=JSON.stringify({project:p});" +
  "var r=fetch('/api/get_runs_overview',{method:'POST',headers:{'content-type':'application/json'},body:b,credentials:'same-origin'})" +
  ".then(function(x){return x.json().then(function(j){return{status:x.status,ok:x.ok,body:j,json:true}},function(){return{status:x.status,ok:x.ok,body:null,json:false}})});" +
  "r.catch(function(){});window.trackioEarly=['get_runs_overview',b,r]})()"
const EARLY_HASH = new Bun.CryptoHasher('sha256').update(EARLY_SCRIPT).digest('base64')

/** Everything the page loads comes from this server; the policy makes the browser enforce it. */
const CSP = `default-src 'self'; script-src 'self' 'sha256-${EARLY_HASH}'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'`

function page(writable: boolean, notice: string | null): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="trackio-write-access" content="${writable ? 'yes' : 'no'}">
${notice ? `<meta name="trackio-notice" content="${notice}">` : ''}
<title>Trackio</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 viewBox=%220 0 16 16%22%3E%3Cpath d=%22M8 1l7 7-7 7-7-7z%22 fill=%22%23e8792b%22/%3E%3C/svg%3E">
<script>${EARLY_SCRIPT}</script>
<link rel="stylesheet" href="${DASHBOARD_CSS_PATH}">
</head>
<body>
<noscript>The Trackio dashboard needs JavaScript. The data is also available at <a href="/swagger">/swagger</a>.</noscript>
<div id="app"></div>
<script src="${DASHBOARD_JS_PATH}"></script>
</body>
</html>
`
}

function asset(body: string, type: string): Response {
  return new Response(body, { headers: { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable' } })
}

/**
 * The dashboard at `/`. A `?write_token=` in the address (the write-access URL printed at startup) is
 * checked, moved into an HttpOnly, SameSite=Strict cookie and removed from the address bar by a redirect,
 * so the token never stays in the history or reaches the page's scripts. The page then calls the public
 * API like any client; the browser sends the cookie, which the write gate accepts.
 */
export function dashboardRoutes(writeToken: string) {
  return new Elysia({ name: 'dashboard' })
    .get('/', ({ request }) => {
      const url = new URL(request.url)
      const offered = url.searchParams.get('write_token')
      if (offered !== null) {
        url.searchParams.delete('write_token')
        // A cookie holds only cookie-octets; a token outside them (possible via TRACKIO_WRITE_TOKEN) stays usable by header.
        const ok = COOKIE_SAFE.test(offered) && tokenMatches(writeToken, offered)
        if (!ok) url.searchParams.set('token', 'rejected')
        const headers = new Headers({ location: url.pathname + url.search, 'cache-control': 'no-store' })
        const secure = url.protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https' ? '; Secure' : ''
        if (ok) headers.set('set-cookie', `${WRITE_COOKIE}=${offered}; Path=/; Max-Age=${COOKIE_MAX_AGE}; HttpOnly; SameSite=Strict${secure}`)
        return new Response(null, { status: 303, headers })
      }
      const presented = presentedToken(request, null)
      const writable = presented !== null && presented !== '' && tokenMatches(writeToken, presented)
      const notice = url.searchParams.get('token') === 'rejected' ? 'rejected' : null
      return new Response(page(writable, notice), {
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': CSP,
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
        },
      })
    }, { detail: { hide: true } })
    .get(DASHBOARD_JS_PATH, () => asset(JS, 'application/javascript; charset=utf-8'), { detail: { hide: true } })
    .get(DASHBOARD_CSS_PATH, () => asset(CSS, 'text/css; charset=utf-8'), { detail: { hide: true } })
}

/** Sizes of the embedded page assets in bytes (for the bench and the README). */
export const DASHBOARD_ASSET_BYTES = { js: Buffer.byteLength(JS), css: Buffer.byteLength(CSS) }
