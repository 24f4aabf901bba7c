import { BadRequestError } from '../../errors'

/** The 400 for what only a Trackio server on a Hugging Face Space (or with Hugging Face credentials) can do. */
export function needsSpace(what: string, instead: string): BadRequestError {
  return new BadRequestError(`${what} needs a Hugging Face Space (Trackio deployed with \`trackio deploy\`/\`SYSTEM=spaces\`); this self-hosted server does not connect to Hugging Face. ${instead}`)
}
