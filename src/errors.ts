/**
 * The few error classes the server raises on purpose. Every layer throws these; each transport
 * maps them in one place (`statusOf`): HTTP to a status code, MCP to an isError result.
 * Anything else that escapes a handler is a bug of ours and becomes a 500.
 */
export class TrackioError extends Error {
  readonly status: number = 500
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}

/** Bad input: a wrong type, a missing or unknown argument, an unparseable body (400). */
export class BadRequestError extends TrackioError {
  override readonly status = 400
}

/** No write token was presented (401). */
export class UnauthorizedError extends TrackioError {
  override readonly status = 401
}

/** A write token was presented but is wrong, or the request's Origin is foreign (403). */
export class ForbiddenError extends TrackioError {
  override readonly status = 403
}

/** The named project, run or API does not exist where it must (404). */
export class NotFoundError extends TrackioError {
  override readonly status = 404
}

/** The request body is over the documented size limit (413). */
export class PayloadTooLargeError extends TrackioError {
  override readonly status = 413
}

/** The Host header is not a name this server answers to (421, DNS-rebinding guard). */
export class MisdirectedRequestError extends TrackioError {
  override readonly status = 421
}

/** A project's database cannot be used right now: locked, corrupt, unreadable (503). */
export class StorageError extends TrackioError {
  override readonly status = 503
}

/** A service this server relies on (the Hugging Face Hub in Spaces mode) did not answer in time (503). */
export class UpstreamError extends TrackioError {
  override readonly status = 503
}

export function statusOf(err: unknown): number {
  return err instanceof TrackioError ? err.status : 500
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
