// What the SDK tests share: the server under test (from the environment the test command
// sets), a bookable service, a webhook receiver and a proxy that drops a connection.
import http from "node:http";
import net from "node:net";
import { CadenceClient } from "@cadence/client";

export const baseUrl = must("CADENCE_BASE_URL");
export const apiKey = must("CADENCE_ORG_API_KEY");
export const slug = must("CADENCE_ORG_SLUG");

function must(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the SDK tests with bash scripts/sdk-test.sh`);
  return value;
}

export const client = () => new CadenceClient({ apiKey, baseUrl });

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** A practitioner working 06:00–22:00 every day and a 15-minute service only they perform. */
export async function bookableService(cadence, name) {
  const weeklyHours = Object.fromEntries(DAYS.map((d) => [d, [{ start: "06:00", end: "22:00" }]]));
  const practitioner = await cadence.createPractitioner({ name: `${name} practitioner`, weeklyHours });
  const service = await cadence.createService({
    name, durationMinutes: 15, minNoticeMinutes: 0, practitionerIds: [practitioner.id],
  });
  return { practitioner, service };
}

/** An HTTP server on 127.0.0.1 that records each request's headers and raw body. */
export async function receiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/cadence`,
    received,
    async waitFor(predicate, ms = 20_000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const hit = received.find(predicate);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no matching delivery within ${ms} ms (got ${received.length})`);
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/**
 * A TCP proxy to the server that, for the first `drops` connections, passes the request on
 * and closes the client's side as soon as the server starts answering: the server has done
 * the work, the client hears nothing. Later connections pass through.
 */
export async function droppingProxy(drops = 1) {
  const target = new URL(baseUrl);
  const requests = [];
  let toDrop = drops;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const drop = toDrop-- > 0;
    client.on("data", (chunk) => {
      requests.push(chunk.toString("latin1"));
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (drop) {
        client.destroy();
        upstream.destroy();
      } else {
        client.write(chunk);
      }
    });
    upstream.on("end", () => client.end());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** The header of a raw HTTP request. */
export function headerOf(rawRequest, name) {
  const line = rawRequest.split("\r\n").find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
