import { expect, test } from 'bun:test'
import { z } from 'zod'
import { BadRequestError } from '../../../src/errors'
import { parseJson } from '../../../src/json/parse'
import { defineTool } from '../../../src/tools/core/define'
import { bindBody } from '../../../src/transports/http/bind-body'

const tool = defineTool({
  name: 't',
  description: 'A tool.',
  input: z.object({ project: z.string(), run: z.string().optional(), metric_name: z.string().optional() }),
  output: z.unknown(),
  result: 'object',
  access: 'read',
  example: {},
  handler: () => null,
})
const bind = (text: string) => Object.fromEntries(bindBody(tool, parseJson(text, { allowNonFinite: false })))

test("Trackio's body forms all name the same arguments", () => {
  const want = { project: 'p', run: 'r' }
  expect(bind('{"project":"p","run":"r"}')).toEqual(want)
  expect(bind('{"args":["p","r"]}')).toEqual(want)
  expect(bind('{"args":[],"kwargs":{"project":"p","run":"r"}}')).toEqual(want)
  expect(bind('{"data":["p","r"]}')).toEqual(want)
  expect(bind('["p","r"]')).toEqual(want)
  expect(bind('"p"')).toEqual({ project: 'p' })
  expect(bind('null')).toEqual({})
})

test('positions fill the parameters not given by keyword; extra positions are ignored', () => {
  expect(bind('{"args":["r","m","extra"],"kwargs":{"project":"p"}}')).toEqual({ project: 'p', run: 'r', metric_name: 'm' })
})

test('kwargs must be an object', () => {
  expect(() => bind('{"kwargs":[1]}')).toThrow(BadRequestError)
})
