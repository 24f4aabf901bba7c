import { BadRequestError } from '../../errors'
import { JsonSyntaxError, parseJson } from '../../json/parse'
import type { Json } from '../../json/values'

/** Deepest nesting a request body may have; Trackio's payloads need a handful of levels. */
export const MAX_BODY_DEPTH = 64

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A request body as our lossless JSON (any Content-Type, as Trackio); empty means no arguments. */
export async function readJsonBody(request: Request): Promise<Json> {
  const bytes = new Uint8Array(await request.arrayBuffer())
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new BadRequestError('Request body is not valid UTF-8')
  }
  if (text.trim() === '') return null
  try {
    return parseJson(text, { allowNonFinite: false, maxDepth: MAX_BODY_DEPTH })
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new BadRequestError(`Request body is not valid JSON: ${err.message}`)
    throw err
  }
}
