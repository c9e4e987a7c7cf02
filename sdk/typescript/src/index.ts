/**
 * `@cadence/client`: the Cadence booking API for TypeScript and JavaScript.
 *
 * - `CadenceClient`: the org API with an API key, for servers.
 * - `CadencePublicClient`: the keyless public booking surface, for browsers.
 * - Typed errors (`CadenceError` and one subclass per kind), safe retries, paging.
 * - `verifySignature` and `verifyStandardWebhook` for webhook deliveries.
 */
export { CadenceClient, type CadenceClientOptions } from "./client.js";
export { CadencePublicClient, type CadencePublicClientOptions, type ManageParams } from "./public.js";
export {
  APIConnectionError,
  AuthenticationError,
  BadRequestError,
  CadenceError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
  type ErrorDetail,
} from "./errors.js";
export { Page, PagePromise } from "./pages.js";
export type { FetchLike, TransportOptions } from "./transport.js";
export { verifySignature, verifyStandardWebhook, type RawBody, type StandardWebhookOptions } from "./webhooks.js";
export type * from "./types.js";
export type { components, paths } from "./schema.js";
