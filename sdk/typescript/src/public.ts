/**
 * `CadencePublicClient`: the keyless public booking surface of one org, safe in browsers
 * (the routes are CORS-open and rate limited per client). It has no way to carry an API key:
 * passing one is refused, so a key cannot end up in a page by mistake.
 */
import { Page, PagePromise, type WirePage } from "./pages.js";
import { Transport, type TransportOptions } from "./transport.js";
import type * as T from "./types.js";

export interface CadencePublicClientOptions extends TransportOptions {
  /** The org's slug, as in its booking page `https://…/{slug}`. */
  slug: string;
}

export interface ManageParams {
  /** The booking's `manage_token` (from its creation, or the link in the customer's mail). */
  token: string;
}

const enc = encodeURIComponent;

export class CadencePublicClient {
  private readonly http: Transport;
  private readonly base: string;

  constructor(options: CadencePublicClientOptions) {
    if (options && ("apiKey" in options || "headers" in options)) {
      throw new TypeError("CadencePublicClient takes no API key: it is for browsers. Use CadenceClient on your server.");
    }
    if (!options?.slug) throw new TypeError("slug is required");
    this.http = new Transport(options);
    this.base = `/api/v1/public/orgs/${enc(options.slug)}`;
  }

  private list<I>(path: string, query: Record<string, unknown> = {}): PagePromise<I> {
    const load = (cursor?: string): Promise<Page<I>> =>
      this.http.request<WirePage<I>>("GET", path, { query: { ...query, cursor } }).then((w) => Page.from_wire(w, load));
    return new PagePromise(() => load());
  }

  /** Name, timezone and branding. */
  getOrg(): Promise<T.PublicOrg> {
    return this.http.request("GET", this.base);
  }
  listServices(): PagePromise<T.PublicService> {
    return this.list(`${this.base}/services`);
  }
  listPractitioners(params: { serviceId?: string } = {}): PagePromise<T.PublicPractitioner> {
    return this.list(`${this.base}/practitioners`, { ...params });
  }
  getAvailability(params: T.AvailabilityParams): Promise<T.AvailabilityResponse> {
    return this.http.request("GET", `${this.base}/availability`, { query: { ...params } });
  }
  /** Books a slot; the answer carries the booking's `manage_token`. */
  createBooking({ idempotencyKey, ...params }: T.CreateBookingParams): Promise<T.Booking> {
    return this.http.request("POST", `${this.base}/bookings`, { body: params, idempotencyKey });
  }

  // The customer's own booking, by its manage token.

  getBooking(id: string, { token }: ManageParams): Promise<T.Booking> {
    return this.http.request("GET", `/api/v1/public/bookings/${enc(id)}`, { query: { token } });
  }
  rescheduleBooking(id: string, { token, idempotencyKey, ...params }: ManageParams & T.RescheduleBookingParams): Promise<T.Booking> {
    return this.http.request("POST", `/api/v1/public/bookings/${enc(id)}/reschedule`, { query: { token }, body: params, idempotencyKey });
  }
  cancelBooking(id: string, { token, idempotencyKey, ...params }: ManageParams & T.CancelBookingParams): Promise<T.Booking> {
    return this.http.request("POST", `/api/v1/public/bookings/${enc(id)}/cancel`, { query: { token }, body: params, idempotencyKey });
  }
  /** The booking as an `.ics` calendar file's URL (for an "Add to calendar" link). */
  calendarUrl(id: string, { token }: ManageParams): string {
    return this.http.url(`/api/v1/public/bookings/${enc(id)}/calendar.ics`, { token });
  }
}
