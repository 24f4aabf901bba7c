import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { invokedAs, shellQuote } from '../../src/cli/invoked'

test('invokedAs and shellQuote', () => {
  expect(invokedAs(['bun', '/$bunfs/root/trackio'], './dist/trackio')).toBe('./dist/trackio')
  expect(invokedAs(['bun', '/$bunfs/root/trackio'], 'trackio')).toBe('trackio')
  expect(invokedAs(['/usr/bin/bun', join(process.cwd(), 'src/cli/main.ts')], 'bun')).toBe('bun src/cli/main.ts')
  expect(shellQuote("it's here")).toBe(`'it'\\''s here'`)
})
