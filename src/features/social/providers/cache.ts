// The KV cache of provider documents (key sets, discovery): a record with its own expiry, read by the request's clock.
import { encodeBase64Url, utf8 } from "../../../crypto/bytes";
import type { ProviderContext } from "./http";

/** KV refuses keys over 512 bytes and TTLs under 60 s. */
const MAX_KEY_BYTES = 480;
export const MIN_KV_TTL_SECONDS = 60;

export interface Cached<T> {
  value: T;
  /** Unix ms of the fetch. */
  fetchedAt: number;
  /** Unix ms after which the value is fetched again. */
  expiresAt: number;
}

async function kvKey(kind: string, url: string): Promise<string> {
  const key = `social:${kind}:${url}`;
  if (utf8(key).length <= MAX_KEY_BYTES) return key;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(url)));
  return `social:${kind}:sha256:${encodeBase64Url(digest)}`;
}

/**
 * The cached value while fresh, else null. A KV failure is a miss (logged): the cache must never be
 * the reason a login fails when the provider itself answers.
 */
export async function readCached<T>(ctx: ProviderContext, kind: string, url: string, valid: (value: unknown) => value is T): Promise<Cached<T> | null> {
  let raw: string | null;
  try {
    raw = await ctx.deps.kv.get(await kvKey(kind, url));
  } catch (error) {
    console.warn(`social ${ctx.provider.id}: ${kind} cache unreadable (${error instanceof Error ? error.name : "error"}), fetching`);
    return null;
  }
  if (!raw) return null;
  try {
    const record = JSON.parse(raw) as Cached<unknown>;
    if (typeof record.expiresAt !== "number" || typeof record.fetchedAt !== "number" || !valid(record.value)) return null;
    return record.expiresAt > ctx.deps.now() ? (record as Cached<T>) : null;
  } catch {
    return null;
  }
}

/** Stores `value` for `ttlSeconds` after the response (deps.defer); returns the record. */
export function writeCached<T>(ctx: ProviderContext, kind: string, url: string, value: T, ttlSeconds: number): Cached<T> {
  const now = ctx.deps.now();
  const record: Cached<T> = { value, fetchedAt: now, expiresAt: now + ttlSeconds * 1000 };
  // The record carries its own expiry (checked against the request's clock); KV's TTL only reclaims the space.
  ctx.deps.defer(kvKey(kind, url).then((key) => ctx.deps.kv.put(key, JSON.stringify(record), { expirationTtl: Math.max(MIN_KV_TTL_SECONDS, ttlSeconds) })));
  return record;
}
