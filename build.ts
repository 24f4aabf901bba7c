/**
 * Builds dist/trackio: one self-contained executable (Bun runtime + our code + Swagger UI assets).
 * It reads no bunfig or .env at runtime, so it behaves the same from any directory.
 */
import { mkdirSync } from 'node:fs'

mkdirSync('dist', { recursive: true })
const result = await Bun.build({
  // The scan worker's thread runs its own entry point (storage/read/scans.ts starts it).
  entrypoints: ['src/cli/main.ts', 'src/storage/read/scan-worker.ts'],
  compile: { outfile: 'dist/trackio', autoloadBunfig: false, autoloadDotenv: false },
  minify: true,
  sourcemap: 'linked',
  bytecode: true,
  target: 'bun',
})
if (!result.success) {
  for (const log of result.logs) console.error(log)
  process.exit(1)
}
console.log('built dist/trackio')
