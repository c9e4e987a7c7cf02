/** `CadenceClient`: the org API with an API key (`ck_live_…`), for an org's backend. */
import { Page, PagePromise, type WirePage } from "./pages.js";
import { Transport, type TransportOptions } from "./transport.js";
import type * as T from "./types.js";

export interface CadenceClientOptions extends TransportOptions {
  /** The org's API key, `ck_live_…` (keep it on the server; never ship it to browsers). */
  apiKey: string;
}

const enc = encodeURIComponent;

export class CadenceClient {
  private readonly http: Transport;

  constructor(options: CadenceClientOptions) {
    if (!options?.apiKey) throw new TypeError("apiKey is required (an org API key, ck_live_…)");
    this.http = new Transport(options, { authorization: `Bearer ${options.apiKey}` });
  }

  private list<I>(path: string, query: Record<string, unknown> = {}): PagePromise<I> {
    const load = (cursor?: string): Promise<Page<I>> =>
      this.http
        .request<WirePage<I>>("GET", path, { query: { ...query, cursor: cursor ?? query.cursor } })
        .then((wire) => Page.from_wire(wire, load));
    return new PagePromise(() => load());
  }

  // Services

  /** The org's services, newest first (one page; iterate for all). */
  listServices(params: T.PageParams = {}): PagePromise<T.Service> {
    return this.list("/api/v1/services", { ...params });
  }
  createService(params: T.CreateServiceParams): Promise<T.Service> {
    return this.http.request("POST", "/api/v1/services", { body: params });
  }
  getService(id: string): Promise<T.Service> {
    return this.http.request("GET", `/api/v1/services/${enc(id)}`);
  }
  updateService(id: string, params: T.UpdateServiceParams): Promise<T.Service> {
    return this.http.request("PATCH", `/api/v1/services/${enc(id)}`, { body: params });
  }
  /** Refused with `ConflictError` `has_upcoming_bookings`: deactivate instead. */
  deleteService(id: string): Promise<void> {
    return this.http.request("DELETE", `/api/v1/services/${enc(id)}`);
  }

  // Practitioners

  listPractitioners(params: T.PageParams = {}): PagePromise<T.Practitioner> {
    return this.list("/api/v1/practitioners", { ...params });
  }
  createPractitioner(params: T.CreatePractitionerParams): Promise<T.Practitioner> {
    return this.http.request("POST", "/api/v1/practitioners", { body: params });
  }
  getPractitioner(id: string): Promise<T.Practitioner> {
    return this.http.request("GET", `/api/v1/practitioners/${enc(id)}`);
  }
  updatePractitioner(id: string, params: T.UpdatePractitionerParams): Promise<T.Practitioner> {
    return this.http.request("PATCH", `/api/v1/practitioners/${enc(id)}`, { body: params });
  }
  deletePractitioner(id: string): Promise<void> {
    return this.http.request("DELETE", `/api/v1/practitioners/${enc(id)}`);
  }
  /** A new secret `.ics` feed URL for the practitioner; the previous one stops working. */
  rotateCalendarFeed(id: string): Promise<T.CalendarFeed> {
    return this.http.request("POST", `/api/v1/practitioners/${enc(id)}/calendar-feed`);
  }

  // Availability and bookings

  /** Open slots of a service (any practitioner unless `practitionerId`), ordered by start. */
  getAvailability(params: T.AvailabilityParams): Promise<T.AvailabilityResponse> {
    return this.http.request("GET", "/api/v1/availability", { query: { ...params } });
  }
  /** Books a slot; without `practitionerId` the least-loaded free practitioner. */
  createBooking({ idempotencyKey, ...params }: T.CreateBookingParams): Promise<T.Booking> {
    return this.http.request("POST", "/api/v1/bookings", { body: params, idempotencyKey });
  }
  getBooking(id: string): Promise<T.Booking> {
    return this.http.request("GET", `/api/v1/bookings/${enc(id)}`);
  }
  /** Bookings by start time, then id, filtered (one page; iterate for all). */
  listBookings(params: T.ListBookingsParams = {}): PagePromise<T.Booking> {
    return this.list("/api/v1/bookings", { ...params });
  }
  rescheduleBooking(id: string, { idempotencyKey, ...params }: T.RescheduleBookingParams): Promise<T.Booking> {
    return this.http.request("POST", `/api/v1/bookings/${enc(id)}/reschedule`, { body: params, idempotencyKey });
  }
  /** Cancels (a booking already cancelled is returned unchanged). */
  cancelBooking(id: string, { idempotencyKey, ...params }: T.CancelBookingParams = {}): Promise<T.Booking> {
    return this.http.request("POST", `/api/v1/bookings/${enc(id)}/cancel`, { body: params, idempotencyKey });
  }

  // Customers and the org

  /** Newest first; `q` finds those whose name or e-mail address contains it. */
  listCustomers(params: T.PageParams & { q?: string } = {}): PagePromise<T.Customer> {
    return this.list("/api/v1/customers", { ...params });
  }
  /** A customer with their booking history. */
  getCustomer(id: string): Promise<T.CustomerDetail> {
    return this.http.request("GET", `/api/v1/customers/${enc(id)}`);
  }
  getOrg(): Promise<T.Org> {
    return this.http.request("GET", "/api/v1/org");
  }
  updateOrg(params: T.UpdateOrgParams): Promise<T.Org> {
    return this.http.request("PATCH", "/api/v1/org", { body: params });
  }

  // Webhooks

  listWebhooks(params: T.PageParams = {}): PagePromise<T.WebhookEndpoint> {
    return this.list("/api/v1/webhooks", { ...params });
  }
  /** Adds an endpoint; the response carries its signing `secret`, this once. */
  createWebhook(params: T.CreateWebhookParams): Promise<T.WebhookEndpoint> {
    return this.http.request("POST", "/api/v1/webhooks", { body: params });
  }
  getWebhook(id: string): Promise<T.WebhookEndpoint> {
    return this.http.request("GET", `/api/v1/webhooks/${enc(id)}`);
  }
  deleteWebhook(id: string): Promise<void> {
    return this.http.request("DELETE", `/api/v1/webhooks/${enc(id)}`);
  }
  /** The endpoint's delivery attempts, newest first. */
  listWebhookDeliveries(id: string, params: T.PageParams = {}): PagePromise<T.WebhookAttempt> {
    return this.list(`/api/v1/webhooks/${enc(id)}/deliveries`, { ...params });
  }
  /** Sends a test event to the endpoint. */
  testWebhook(id: string): Promise<{ event_id: string }> {
    return this.http.request("POST", `/api/v1/webhooks/${enc(id)}/test`);
  }
}
