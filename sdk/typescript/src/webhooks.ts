/**
 * Webhook verification on WebCrypto (Node ≥ 18, browsers, edge runtimes). Both checks are
 * constant-time: the comparison is `crypto.subtle.verify`, the platform's own HMAC check.
 *
 * Cadence signs every delivery twice: `X-Cadence-Signature: sha256=<hex HMAC-SHA256 of the
 * raw body, keyed by the secret string>` and the Standard Webhooks headers `webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body",
 * keyed by the base64 part of the whsec_ secret>`. Verify the raw body, before parsing it.
 * For 24 hours after a secret rotation both secrets sign: each header then carries two
 * signatures (comma-separated in `X-Cadence-Signature`, space-separated in
 * `webhook-signature`), and either secret verifies.
 */

export type RawBody = string | Uint8Array | ArrayBuffer;

const encoder = new TextEncoder();

async function subtle(): Promise<SubtleCrypto> {
  if (globalThis.crypto?.subtle) return globalThis.crypto.subtle;
  // Node 18 without the global: its webcrypto module (the specifier is kept out of bundlers' sight).
  const name = "node:crypto";
  const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as { webcrypto: Crypto };
  return mod.webcrypto.subtle;
}

function bytes(body: RawBody): Uint8Array {
  if (typeof body === "string") return encoder.encode(body);
  return body instanceof Uint8Array ? body : new Uint8Array(body);
}

function hexToBytes(hex: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function base64ToBytes(b64: string): Uint8Array | null {
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

async function hmacVerify(key: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  const s = await subtle();
  const k = await s.importKey("raw", key as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return s.verify("HMAC", k, signature as BufferSource, data as BufferSource);
}

/** Checks `X-Cadence-Signature` (`sha256=<hex>`, or two of them comma-separated while a
 * secret rotation runs) against the raw body: true when one entry matches `secret`. */
export async function verifySignature(secret: string, rawBody: RawBody, header: string | null | undefined): Promise<boolean> {
  if (!secret || !header) return false;
  for (const entry of header.split(",")) {
    const hex = entry.trim().match(/^sha256=([0-9a-fA-F]{64})$/)?.[1];
    const given = hex ? hexToBytes(hex) : null;
    if (given && (await hmacVerify(encoder.encode(secret), given, bytes(rawBody)))) return true;
  }
  return false;
}

export interface StandardWebhookOptions {
  /** Seconds the `webhook-timestamp` may differ from now (default 300). */
  toleranceSeconds?: number;
  /** Now, in unix seconds (default the clock). */
  now?: number;
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`): the timestamp within the tolerance of now (so an old delivery
 * cannot be replayed) and one of the `v1,` signatures matching.
 */
export async function verifyStandardWebhook(
  secret: string,
  rawBody: RawBody,
  headers: HeaderBag,
  options: StandardWebhookOptions = {},
): Promise<boolean> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp")?.trim();
  const signatures = header(headers, "webhook-signature");
  const key = secret.startsWith("whsec_") ? base64ToBytes(secret.slice("whsec_".length)) : null;
  if (!id || !timestamp || !/^\d+$/.test(timestamp) || !signatures || !key?.length) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const body = bytes(rawBody);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  let ok = false;
  for (const candidate of signatures.split(" ")) {
    if (!candidate.startsWith("v1,")) continue;
    const given = base64ToBytes(candidate.slice(3));
    // Every candidate is checked, so the time taken does not tell which one matched.
    if (given?.length === 32 && (await hmacVerify(key, given, signed))) ok = true;
  }
  return ok;
}
