// The product's quickstart, verbatim, against the real server; then what was stored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CadenceClient } from "@cadence/client";
import { baseUrl, bookableService, client } from "./helpers.mjs";

test("the quickstart books the first open slot of the newest service, once", async () => {
  const { service: fresh, practitioner } = await bookableService(client(), "Quickstart visit");

  const cadence = new CadenceClient({ apiKey: process.env.CADENCE_ORG_API_KEY, baseUrl });
  const services = await cadence.listServices();
  const avail = await cadence.getAvailability({ serviceId: services[0].id });
  const booking = await cadence.createBooking({
    serviceId: services[0].id, start: avail.slots[0].start,   // no practitionerId: any available
    customer: { name: "Pat", email: "pat@example.com" }, idempotencyKey: "visit-42" });

  assert.ok(Array.isArray(services));
  assert.equal(services[0].id, fresh.id);
  assert.equal(booking.service_id, fresh.id);
  assert.equal(booking.practitioner_id, practitioner.id);
  assert.equal(booking.status, "confirmed");
  assert.equal(Date.parse(booking.start), Date.parse(avail.slots[0].start));
  assert.equal(booking.customer.email, "pat@example.com");

  // Stored: the server returns it by id, and the slot is no longer open.
  const stored = await cadence.getBooking(booking.id);
  assert.equal(stored.id, booking.id);
  const after = await cadence.getAvailability({ serviceId: fresh.id });
  assert.ok(!after.slots.some((s) => Date.parse(s.start) === Date.parse(booking.start)));

  // The same call again (same idempotency key, same body) replays the same booking.
  const replay = await cadence.createBooking({
    serviceId: services[0].id, start: avail.slots[0].start,
    customer: { name: "Pat", email: "pat@example.com" }, idempotencyKey: "visit-42" });
  assert.equal(replay.id, booking.id);
  const pats = await cadence.listBookings({ serviceId: fresh.id, customerEmail: "pat@example.com" });
  assert.deepEqual(pats.map((b) => b.id), [booking.id]);
});
