/**
 * The HTTP transport both clients share: JSON in and out, typed errors, and safe retries.
 *
 * Every POST carries an `Idempotency-Key` (the caller's, else one generated per call) that
 * stays the same across that call's retries, so a retried booking is booked once. Retried:
 * no answer (connection refused, dropped, timed out), 408, 429 (after its `Retry-After`),
 * 409 `idempotency_key_in_flight` (the first attempt is still running) and 5xx; with
 * exponential backoff and jitter, `maxRetries` times (default 2). A retried DELETE that
 * answers 404 had deleted on an earlier attempt, and counts as done.
 */
import { APIConnectionError, CadenceError, errorFor, RateLimitError } from "./errors.js";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** Where the server is, e.g. `https://book.example.com` (no `/api/v1`). */
  baseUrl: string;
  /** Retries after the first attempt (default 2; 0 turns retries off). */
  maxRetries?: number;
  /** Milliseconds one attempt may take before it counts as no answer (default 60 000). */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: FetchLike;
}

export interface RequestOptions {
  query?: Record<string, unknown> | undefined;
  body?: unknown;
  /** For POSTs: the caller's key; without one a key is generated for this call. */
  idempotencyKey?: string | undefined;
}

const MAX_BACKOFF_MS = 8_000;
const MAX_RETRY_AFTER_MS = 60_000;

/** `serviceId` → `service_id`. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Request objects from camelCase arguments to the API's snake_case fields (deep). */
export function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[snakeCase(k)] = toWire(v);
    return out;
  }
  return value;
}

/** A key of the server's alphabet (visible ASCII), unique per call. */
export function newIdempotencyKey(): string {
  return `sdk_${globalThis.crypto.randomUUID()}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Transport {
  readonly baseUrl: string;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  private readonly fetch: FetchLike;
  private readonly headers: Record<string, string>;

  constructor(options: TransportOptions, headers: Record<string, string> = {}) {
    if (!options?.baseUrl) throw new TypeError("baseUrl is required, e.g. https://book.example.com");
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.maxRetries = Math.max(0, options.maxRetries ?? 2);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = headers;
  }

  url(path: string, query?: Record<string, unknown>): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null) params.set(snakeCase(k), v instanceof Date ? v.toISOString() : String(v));
    }
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ""}`;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", ...this.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(toWire(options.body));
    }
    if (method === "POST") headers["idempotency-key"] = options.idempotencyKey ?? newIdempotencyKey();
    const url = this.url(path, options.query);

    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (cause) {
        const error = new APIConnectionError(`No answer from ${this.baseUrl}: ${describe(cause)}`, { cause });
        if (attempt < this.maxRetries) {
          await sleep(backoff(attempt));
          continue;
        }
        throw error;
      }
      if (response.ok) {
        const text = await response.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }
      const parsed = await response.text().then(parseJson, () => undefined);
      const error = errorFor(response.status, parsed, response.headers);
      if (method === "DELETE" && attempt > 0 && response.status === 404) return undefined as T;
      if (attempt < this.maxRetries && retryable(error)) {
        const wait = error instanceof RateLimitError && error.retryAfter !== undefined
          ? Math.min(error.retryAfter * 1000, MAX_RETRY_AFTER_MS)
          : backoff(attempt);
        await sleep(wait);
        continue;
      }
      throw error;
    }
  }
}

function retryable(error: CadenceError): boolean {
  const status = error.status ?? 0;
  return status === 408 || status === 429 || status >= 500 ||
    (status === 409 && error.code === "idempotency_key_in_flight");
}

/** 0.5 s, 1 s, 2 s, … up to 8 s, each with ±25% jitter. */
function backoff(attempt: number): number {
  const base = Math.min(500 * 2 ** attempt, MAX_BACKOFF_MS);
  return base * (0.75 + Math.random() * 0.5);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}
