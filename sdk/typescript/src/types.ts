/**
 * The API's objects, as generated from the OpenAPI document into `schema.ts`
 * (`npm run generate`). Returned objects keep the API's field names (snake_case, as in the
 * API reference); arguments are the same fields in camelCase (`serviceId`).
 */
import type { components } from "./schema.js";

type S = components["schemas"];

export type Service = S["Service"];
export type Practitioner = S["Practitioner"];
export type Booking = S["Booking"];
export type Slot = S["Slot"];
export type AvailabilityResponse = S["AvailabilityResponse"];
export type Customer = S["Customer"];
export type CustomerDetail = S["CustomerDetail"];
export type Org = S["Org"];
export type PublicOrg = S["PublicOrg"];
export type PublicService = S["PublicService"];
export type PublicPractitioner = S["PublicPractitioner"];
export type WebhookEndpoint = S["WebhookEndpoint"];
export type WebhookAttempt = S["WebhookAttempt"];
export type CalendarFeed = S["CalendarFeed"];

type CamelKey<K extends string> = K extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelKey<T>>}` : K;

/** A request object with its fields in camelCase, deeply. */
export type Camel<T> = T extends (infer U)[]
  ? Camel<U>[]
  : T extends object
    ? { [K in keyof T as K extends string ? CamelKey<K> : K]: Camel<T[K]> }
    : T;

export type CreateServiceParams = Camel<S["CreateServiceRequest"]>;
export type UpdateServiceParams = Camel<S["UpdateServiceRequest"]>;
export type CreatePractitionerParams = Camel<S["CreatePractitionerRequest"]>;
export type UpdatePractitionerParams = Camel<S["UpdatePractitionerRequest"]>;
export type UpdateOrgParams = Camel<S["UpdateOrgRequest"]>;
export type CreateWebhookParams = Camel<S["CreateWebhookRequest"]>;

/** A start as the API returned it (RFC 3339 string), or a `Date`. */
export type Instant = string | Date;

export interface IdempotentParams {
  /** Makes the call safe to repeat: the same key and body answer with the first result (24 h). */
  idempotencyKey?: string;
}

export type CreateBookingParams = Omit<Camel<S["CreateBookingRequest"]>, "start"> & IdempotentParams & { start: Instant };
export type RescheduleBookingParams = Omit<Camel<S["RescheduleRequest"]>, "start"> & IdempotentParams & { start: Instant };
export type CancelBookingParams = Camel<S["CancelRequest"]> & IdempotentParams;

export interface AvailabilityParams {
  serviceId: string;
  /** One practitioner; without it, any who performs the service. */
  practitionerId?: string;
  /** A date (`YYYY-MM-DD`, in the org's timezone) or an instant; default now. */
  from?: Instant;
  /** A date (inclusive) or an instant; default `from` + 7 days; at most 62 days after `from`. */
  to?: Instant;
  /** `"practitioner_ids"`: list each slot's free practitioners. */
  include?: "practitioner_ids";
}

export interface PageParams {
  /** 1–100 (default 20 on the server). */
  limit?: number;
  /** `nextCursor` of the page before. */
  cursor?: string;
}

export interface ListBookingsParams extends PageParams {
  status?: "confirmed" | "cancelled";
  practitionerId?: string;
  serviceId?: string;
  from?: Instant;
  to?: Instant;
  customerEmail?: string;
}
