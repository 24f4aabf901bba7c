import pkg from '../package.json' with { type: 'json' }

/** This server's own version (package.json, bundled into the binary). */
export const VERSION: string = pkg.version
