// Run by scripts/sdk-test.sh against a second server whose org API allows
// CADENCE_ORG_RATE_LIMIT requests a minute (with a burst as large), so the allowance runs out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CadenceClient, RateLimitError } from "@cadence/client";
import { apiKey, baseUrl, slug } from "./helpers.mjs";

const limit = Number(process.env.CADENCE_ORG_RATE_LIMIT);

test("a spent allowance is a RateLimitError with Retry-After, and the retrying client waits that long", async () => {
  assert.ok(limit > 0, "CADENCE_ORG_RATE_LIMIT is not set");
  const once = new CadenceClient({ apiKey, baseUrl, maxRetries: 0 });
  let refused;
  for (let i = 0; i < limit + 5 && !refused; i++) {
    try {
      await once.getOrg();
    } catch (e) {
      if (!(e instanceof RateLimitError)) throw e;
      refused = e;
    }
  }
  assert.ok(refused, `no 429 within ${limit + 5} requests`);
  assert.equal(refused.status, 429);
  assert.equal(refused.type, "rate_limit_error");
  assert.equal(refused.code, "rate_limited");
  assert.match(refused.requestId, /^req_/);
  assert.ok(refused.retryAfter >= 1 && refused.retryAfter <= 60, `Retry-After ${refused.retryAfter}`);

  // The default client (two retries) gets the 429 too, waits Retry-After, and then succeeds.
  const attempts = [];
  const counting = async (url, init) => {
    const response = await fetch(url, init);
    attempts.push({ at: Date.now(), status: response.status, retryAfter: Number(response.headers.get("retry-after")) });
    return response;
  };
  const patient = new CadenceClient({ apiKey, baseUrl, fetch: counting });
  const org = await patient.getOrg();
  assert.equal(org.slug, slug);
  assert.deepEqual(attempts.map((a) => a.status), [429, 200]);
  assert.ok(attempts[1].at - attempts[0].at >= attempts[0].retryAfter * 1000 - 50,
    `retried after ${attempts[1].at - attempts[0].at} ms, Retry-After was ${attempts[0].retryAfter} s`);
});
