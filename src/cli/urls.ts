/** The base URL people should open: 0.0.0.0 and :: are shown as localhost, IPv6 literals in brackets. */
export function baseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `http://${shown}:${port}`
}

/** Compat §7: the UI URL, and the write URL (no slash before `?`, project not encoded, as Trackio prints). */
export function startupUrls(base: string, project: string | null, token: string): { ui: string; write: string } {
  return project
    ? { ui: `${base}/?project=${project}`, write: `${base}?project=${project}&write_token=${token}` }
    : { ui: `${base}/`, write: `${base}?write_token=${token}` }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
