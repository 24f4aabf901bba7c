import { BadRequestError } from '../../errors'

/**
 * The 400 for what Trackio does only through the Hugging Face Hub (bucket registries) or only to
 * seed a Hugging Face Space (`trackio sync` replacing a database): this server has neither, in
 * local or in Space mode, and says what to do instead.
 */
export function needsSpace(what: string, instead: string): BadRequestError {
  return new BadRequestError(`${what} is Hugging Face Space / Hub functionality that this server does not provide. ${instead}`)
}
