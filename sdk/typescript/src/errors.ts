/**
 * Typed errors: every non-2xx answer becomes a `CadenceError` subclass chosen by status,
 * carrying the envelope's fields; `APIConnectionError` when no answer came at all.
 */

/** The `error` object of the API's envelope `{ "error": { … } }`. */
export interface ErrorDetail {
  type: string;
  code: string;
  message: string;
  field?: string | null;
  required_scope?: string | null;
  request_id: string;
}

/** Any failure of a Cadence call. */
export class CadenceError extends Error {
  /** HTTP status, or `undefined` when no answer came (`APIConnectionError`). */
  readonly status: number | undefined;
  /** The envelope's error family, e.g. `conflict_error`. */
  readonly type: string | undefined;
  /** Stable snake_case code, e.g. `slot_taken`, `slot_not_open`. */
  readonly code: string | undefined;
  /** The request field at fault, when the server names one. */
  readonly field: string | undefined;
  /** The `req_…` id of the request (also the `X-Request-Id` header): quote it in support requests. */
  readonly requestId: string | undefined;
  /** The scope a 403 `missing_scope` lacks. */
  readonly requiredScope: string | undefined;

  constructor(message: string, status?: number, detail?: Partial<ErrorDetail>, requestId?: string) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.type = detail?.type;
    this.code = detail?.code;
    this.field = detail?.field ?? undefined;
    this.requiredScope = detail?.required_scope ?? undefined;
    this.requestId = detail?.request_id ?? requestId;
  }
}

/** 400: the request could not be read (malformed JSON, path or query). */
export class BadRequestError extends CadenceError {}
/** 401: missing, unknown, expired or revoked key. */
export class AuthenticationError extends CadenceError {}
/** 403: the key lacks the route's scope (`requiredScope`). */
export class PermissionDeniedError extends CadenceError {}
/** 404: unknown, or another org's. */
export class NotFoundError extends CadenceError {}
/** 409: e.g. `slot_taken`, `booking_cancelled`, `quota_exceeded`. */
export class ConflictError extends CadenceError {}
/** 422: well-formed but invalid, e.g. `slot_not_open`; `field` names the culprit. */
export class UnprocessableEntityError extends CadenceError {}
/** 429: rate limited; `retryAfter` is the server's `Retry-After` in seconds. */
export class RateLimitError extends CadenceError {
  readonly retryAfter: number | undefined;
  constructor(message: string, status: number, detail: Partial<ErrorDetail> | undefined, retryAfter: number | undefined, requestId?: string) {
    super(message, status, detail, requestId);
    this.retryAfter = retryAfter;
  }
}
/** 5xx: the server failed; retried automatically before this is thrown. */
export class InternalServerError extends CadenceError {}
/** No answer: the connection failed, was dropped, or timed out. */
export class APIConnectionError extends CadenceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/** The error for a non-2xx answer. */
export function errorFor(status: number, body: unknown, headers: Headers): CadenceError {
  const detail = (body as { error?: Partial<ErrorDetail> } | null)?.error;
  const envelope = detail && typeof detail === "object" ? detail : undefined;
  const requestId = headers.get("x-request-id") ?? undefined;
  const message = envelope?.message ?? `HTTP ${status}`;
  switch (true) {
    case status === 400: return new BadRequestError(message, status, envelope, requestId);
    case status === 401: return new AuthenticationError(message, status, envelope, requestId);
    case status === 403: return new PermissionDeniedError(message, status, envelope, requestId);
    case status === 404: return new NotFoundError(message, status, envelope, requestId);
    case status === 409: return new ConflictError(message, status, envelope, requestId);
    case status === 422: return new UnprocessableEntityError(message, status, envelope, requestId);
    case status === 429:
      return new RateLimitError(message, status, envelope, parseRetryAfter(headers.get("retry-after")), requestId);
    case status >= 500: return new InternalServerError(message, status, envelope, requestId);
    default: return new CadenceError(message, status, envelope, requestId);
  }
}
