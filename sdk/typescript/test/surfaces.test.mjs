// The rest of the org API through the SDK, and the keyless public client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CadencePublicClient, NotFoundError, UnprocessableEntityError } from "@cadence/client";
import { baseUrl, bookableService, client, slug } from "./helpers.mjs";

test("services, practitioners, bookings, customers and the org through CadenceClient", async () => {
  const cadence = client();
  const { service, practitioner } = await bookableService(cadence, "Coverage visit");

  const renamed = await cadence.updateService(service.id, { name: "Coverage visit (long)", bufferAfterMinutes: 5 });
  assert.equal((await cadence.getService(service.id)).name, "Coverage visit (long)");
  assert.equal(renamed.buffer_after_minutes, 5);
  const p = await cadence.updatePractitioner(practitioner.id, { email: "lee@example.com" });
  assert.equal((await cadence.getPractitioner(practitioner.id)).email, p.email);
  assert.ok((await cadence.listPractitioners({ limit: 100 })).some((x) => x.id === practitioner.id));
  const feed = await cadence.rotateCalendarFeed(practitioner.id);
  assert.match(feed.url, /\.ics$/);

  const week = await cadence.getAvailability({ serviceId: service.id, practitionerId: practitioner.id, include: "practitioner_ids" });
  assert.deepEqual(week.slots[0].practitioner_ids, [practitioner.id]);
  const [first, , third] = week.slots;
  const booking = await cadence.createBooking({ serviceId: service.id, start: new Date(first.start), customer: { name: "Jo", email: "jo@example.com" }, notes: "first visit" });
  const moved = await cadence.rescheduleBooking(booking.id, { start: third.start });
  assert.equal(Date.parse(moved.start), Date.parse(third.start));
  const cancelled = await cadence.cancelBooking(booking.id, { reason: "ill" });
  assert.equal(cancelled.status, "cancelled");
  assert.equal((await cadence.getBooking(booking.id)).cancel_reason, "ill");
  assert.equal((await cadence.listBookings({ serviceId: service.id, status: "cancelled" })).length, 1);
  assert.equal((await cadence.listBookings({ serviceId: service.id, status: "confirmed" })).length, 0);

  let customer;
  for await (const c of cadence.listCustomers({ limit: 50 })) if (c.email === "jo@example.com") customer = c;
  assert.ok(customer, "the booking's customer is listed");
  const found = await cadence.listCustomers({ q: "JO@example" });
  assert.deepEqual(Array.from(found, (c) => c.id), [customer.id], "found by part of the e-mail address");
  const detail = await cadence.getCustomer(customer.id);
  assert.deepEqual(detail.bookings.map((b) => b.id), [booking.id]);

  const org = await cadence.updateOrg({ branding: { primaryColor: "#114477" } });
  assert.equal(org.branding.primary_color, "#114477");
  assert.equal((await cadence.getOrg()).slug, slug);

  await assert.rejects(cadence.deleteService(service.id).then(() => cadence.getService(service.id)), NotFoundError);
});

test("CadencePublicClient books without a key and manages the booking with its token", async () => {
  assert.throws(() => new CadencePublicClient({ slug, baseUrl, apiKey: "ck_live_x" }), TypeError);
  const { service, practitioner } = await bookableService(client(), "Public visit");
  const pub = new CadencePublicClient({ slug, baseUrl });

  assert.equal((await pub.getOrg()).slug, slug);
  assert.ok((await pub.listServices()).some((s) => s.id === service.id));
  assert.deepEqual((await pub.listPractitioners({ serviceId: service.id })).map((p) => p.id), [practitioner.id]);
  const [a, b] = (await pub.getAvailability({ serviceId: service.id })).slots;
  const booking = await pub.createBooking({ serviceId: service.id, start: a.start, customer: { name: "Mo", email: "mo@example.com" } });
  const token = booking.manage_token;
  assert.ok(token, "the customer's manage token");

  assert.equal((await pub.getBooking(booking.id, { token })).id, booking.id);
  await assert.rejects(pub.getBooking(booking.id, { token: "wrong" }), NotFoundError);
  const moved = await pub.rescheduleBooking(booking.id, { token, start: b.start });
  assert.equal(Date.parse(moved.start), Date.parse(b.start));
  const ics = await fetch(pub.calendarUrl(booking.id, { token }));
  assert.match(await ics.text(), /BEGIN:VEVENT/);
  assert.equal((await pub.cancelBooking(booking.id, { token })).status, "cancelled");
  await assert.rejects(pub.getAvailability({ serviceId: service.id, from: "2030-01-10", to: "2029-01-01" }), UnprocessableEntityError);
  // The org sees the customer's changes.
  assert.equal((await client().getBooking(booking.id)).status, "cancelled");
});
