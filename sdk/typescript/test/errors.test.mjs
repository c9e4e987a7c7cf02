// Every non-2xx is a typed error carrying the envelope; no answer is APIConnectionError.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  APIConnectionError, AuthenticationError, CadenceClient, CadenceError, ConflictError,
  NotFoundError, PermissionDeniedError, UnprocessableEntityError,
} from "@cadence/client";
import { apiKey, baseUrl, bookableService, client } from "./helpers.mjs";

const pat = { name: "Pat", email: "pat.errors@example.com" };

test("a taken slot is a ConflictError slot_taken, a time that is no slot an UnprocessableEntityError", async () => {
  const cadence = client();
  const { service } = await bookableService(cadence, "Errors visit");
  const [slot] = (await cadence.getAvailability({ serviceId: service.id })).slots;
  await cadence.createBooking({ serviceId: service.id, start: slot.start, customer: pat });

  await assert.rejects(
    cadence.createBooking({ serviceId: service.id, start: slot.start, customer: { name: "Sam", email: "sam@example.com" } }),
    (err) => {
      assert.ok(err instanceof ConflictError && err instanceof CadenceError);
      assert.equal(err.status, 409);
      assert.equal(err.code, "slot_taken");
      assert.equal(err.type, "conflict_error");
      assert.match(err.requestId, /^req_/);
      return true;
    },
  );
  const odd = new Date(Date.parse(slot.start) + 7 * 60_000).toISOString();
  await assert.rejects(
    cadence.createBooking({ serviceId: service.id, start: odd, customer: pat }),
    (err) => err instanceof UnprocessableEntityError && err.status === 422 &&
      err.code === "slot_not_open" && err.field === "start",
  );
  // Nothing was stored by the refused calls.
  const stored = await cadence.listBookings({ serviceId: service.id });
  assert.equal(stored.length, 1);
});

test("401, 403, 404 and no answer each have their class", async () => {
  const wrongKey = new CadenceClient({ apiKey: "ck_live_not-a-key", baseUrl });
  await assert.rejects(wrongKey.listServices(), (e) => e instanceof AuthenticationError && e.status === 401);
  await assert.rejects(client().getBooking("bk_does_not_exist"), (e) => e instanceof NotFoundError && e.status === 404);

  // A key without bookings:write (made through the account API by the test command's owner).
  const readOnly = process.env.CADENCE_READ_ONLY_KEY;
  assert.ok(readOnly, "CADENCE_READ_ONLY_KEY is set by scripts/sdk-test.sh");
  const reader = new CadenceClient({ apiKey: readOnly, baseUrl });
  await assert.rejects(
    reader.createService({ name: "Not allowed", durationMinutes: 30 }),
    (e) => e instanceof PermissionDeniedError && e.status === 403 && e.code === "missing_scope",
  );

  const nobody = new CadenceClient({ apiKey, baseUrl: "http://127.0.0.1:9", maxRetries: 1 });
  await assert.rejects(nobody.listServices(), (e) => e instanceof APIConnectionError && e.status === undefined);
});
