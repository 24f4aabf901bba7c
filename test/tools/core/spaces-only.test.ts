import { expect, test } from 'bun:test'
import { BadRequestError } from '../../../src/errors'
import { needsSpace } from '../../../src/tools/core/spaces-only'

test('a 400 that names what is missing and what to do instead', () => {
  const e = needsSpace('Reading registries from a bucket', 'Use the local registries.')
  expect(e).toBeInstanceOf(BadRequestError)
  expect(e.status).toBe(400)
  expect(e.message).toBe('Reading registries from a bucket is Hugging Face Space / Hub functionality that this server does not provide. Use the local registries.')
})
