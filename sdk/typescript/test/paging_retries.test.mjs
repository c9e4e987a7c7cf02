// Paging through many bookings, and retries that never book twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { APIConnectionError, CadenceClient } from "@cadence/client";
import { apiKey, bookableService, client, droppingProxy, headerOf } from "./helpers.mjs";

test("250 bookings: a page of 100 with a cursor, and for-await walks all of them in order", async () => {
  const cadence = client();
  const { service } = await bookableService(cadence, "Paging visit");
  const slots = (await cadence.getAvailability({ serviceId: service.id })).slots.slice(0, 250);
  assert.equal(slots.length, 250, "a week of 16-hour days has more than 250 quarter hours");
  const made = [];
  for (let i = 0; i < slots.length; i += 10) {
    made.push(...await Promise.all(slots.slice(i, i + 10).map((slot, j) =>
      cadence.createBooking({ serviceId: service.id, start: slot.start, customer: { name: `Guest ${i + j}`, email: `guest${i + j}@example.com` } }))));
  }

  const first = await cadence.listBookings({ serviceId: service.id, limit: 100 });
  assert.equal(first.length, 100);
  assert.equal(first.hasMore, true);
  assert.ok(first.nextCursor);
  const second = await first.nextPage();
  assert.equal(second.length, 100);
  assert.notEqual(second[0].id, first[0].id);

  const seen = [];
  for await (const booking of cadence.listBookings({ serviceId: service.id, limit: 37 })) seen.push(booking);
  assert.equal(seen.length, 250);
  assert.deepEqual(new Set(seen.map((b) => b.id)), new Set(made.map((b) => b.id)));
  const starts = seen.map((b) => Date.parse(b.start));
  assert.deepEqual(starts, [...starts].sort((a, b) => a - b), "by start time");
});

test("a booking whose answer was lost is retried with the same Idempotency-Key and booked once", async () => {
  const cadence = client();
  const { service } = await bookableService(cadence, "Retry visit");
  const [slot] = (await cadence.getAvailability({ serviceId: service.id })).slots;
  const proxy = await droppingProxy(1);
  try {
    const flaky = new CadenceClient({ apiKey, baseUrl: proxy.url });
    const booking = await flaky.createBooking({
      serviceId: service.id, start: slot.start, customer: { name: "Robin", email: "robin@example.com" },
    });
    const posts = proxy.requests.filter((r) => r.startsWith("POST /api/v1/bookings "));
    assert.equal(posts.length, 2, "the first attempt's answer was dropped, the second got through");
    const keys = posts.map((r) => headerOf(r, "idempotency-key"));
    assert.ok(keys[0], "the SDK sent an Idempotency-Key of its own");
    assert.equal(keys[1], keys[0], "the retry reused it");

    const stored = await cadence.listBookings({ serviceId: service.id });
    assert.deepEqual(stored.map((b) => b.id), [booking.id], "booked once");
  } finally {
    await proxy.close();
  }
});

test("with retries off the lost answer is an APIConnectionError (and the server still booked)", async () => {
  const cadence = client();
  const { service } = await bookableService(cadence, "No-retry visit");
  const [slot] = (await cadence.getAvailability({ serviceId: service.id })).slots;
  const proxy = await droppingProxy(1);
  try {
    const flaky = new CadenceClient({ apiKey, baseUrl: proxy.url, maxRetries: 0 });
    await assert.rejects(
      flaky.createBooking({ serviceId: service.id, start: slot.start, customer: { name: "Kim", email: "kim@example.com" }, idempotencyKey: "kim-1" }),
      (e) => e instanceof APIConnectionError,
    );
    // The caller retries with its own key: the same booking, not a second one.
    const again = await cadence.createBooking({ serviceId: service.id, start: slot.start, customer: { name: "Kim", email: "kim@example.com" }, idempotencyKey: "kim-1" });
    const stored = await cadence.listBookings({ serviceId: service.id });
    assert.deepEqual(stored.map((b) => b.id), [again.id]);
  } finally {
    await proxy.close();
  }
});
