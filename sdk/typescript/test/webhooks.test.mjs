// A real delivery from the server, verified by both verifiers (and by the reference
// Standard Webhooks library); tampering, a wrong secret and an old timestamp are refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { verifySignature, verifyStandardWebhook } from "@cadence/client";
import { bookableService, client, receiver } from "./helpers.mjs";

test("a booking.created delivery verifies with X-Cadence-Signature and Standard Webhooks", async () => {
  const cadence = client();
  const hooks = await receiver();
  try {
    const endpoint = await cadence.createWebhook({ url: hooks.url, events: ["booking.created"] });
    assert.match(endpoint.secret, /^whsec_/);
    const { service } = await bookableService(cadence, "Webhook visit");
    const [slot] = (await cadence.getAvailability({ serviceId: service.id })).slots;
    const booking = await cadence.createBooking({ serviceId: service.id, start: slot.start, customer: { name: "Ada", email: "ada@example.com" } });

    const delivery = await hooks.waitFor((r) => JSON.parse(r.body).data?.booking?.id === booking.id);
    const { headers, body } = delivery;
    assert.equal(headers["x-cadence-event"], "booking.created");
    assert.equal(await verifySignature(endpoint.secret, body, headers["x-cadence-signature"]), true);
    assert.equal(await verifySignature(endpoint.secret, body.toString("utf8"), headers["x-cadence-signature"]), true);
    assert.equal(await verifyStandardWebhook(endpoint.secret, body, headers), true);
    assert.equal(await verifyStandardWebhook(endpoint.secret, body, new Headers(headers)), true);
    // The reference implementation agrees.
    assert.equal(new Webhook(endpoint.secret).verify(body.toString("utf8"), headers).data.booking.id, booking.id);

    const tampered = Buffer.from(body.toString("utf8").replace("Ada", "Eve"));
    assert.equal(await verifySignature(endpoint.secret, tampered, headers["x-cadence-signature"]), false);
    assert.equal(await verifyStandardWebhook(endpoint.secret, tampered, headers), false);
    const other = "whsec_" + Buffer.alloc(32, 7).toString("base64");
    assert.equal(await verifySignature(other, body, headers["x-cadence-signature"]), false);
    // During a rotation the header carries two signatures; either secret verifies.
    const both = `sha256=${"0".repeat(64)}, ${headers["x-cadence-signature"]}`;
    assert.equal(await verifySignature(endpoint.secret, body, both), true);
    assert.equal(await verifySignature(other, body, both), false);
    assert.equal(await verifyStandardWebhook(other, body, headers), false);
    const later = Number(headers["webhook-timestamp"]) + 3600;
    assert.equal(await verifyStandardWebhook(endpoint.secret, body, headers, { now: later }), false, "a replay an hour later");
    assert.equal(await verifyStandardWebhook(endpoint.secret, body, headers, { now: later, toleranceSeconds: 7200 }), true);
    assert.equal(await verifySignature(endpoint.secret, body, undefined), false);
    assert.equal(await verifySignature(endpoint.secret, body, "sha256=zz"), false);

    // The attempt is recorded once the receiver's answer is back: it may trail the request.
    let attempts = [];
    for (let i = 0; i < 50 && !attempts.some((a) => a.response_status === 200); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      attempts = await cadence.listWebhookDeliveries(endpoint.id);
    }
    assert.ok(attempts.some((a) => a.response_status === 200));
    await cadence.deleteWebhook(endpoint.id);
  } finally {
    await hooks.close();
  }
});
