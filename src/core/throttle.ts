// Scoped fixed-window rate limits on KV counters (contract §1.10).
// KV is eventually consistent and has no atomic increment, so limits are approximate across
// locations; they bound brute force and mail flooding, they are not a billing-grade quota.
import type { ThrottleScope } from "../config";
import { toHex } from "../crypto/hmac";
import type { Deps } from "./deps";

export type ThrottleResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

async function hashKey(value: string): Promise<string> {
  // Identifiers (e-mails, usernames) never appear in KV key names.
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return toHex(new Uint8Array(digest)).slice(0, 32);
}

/** The window's counter for `scope`/`key`, or null when the scope is not throttled. */
async function windowCounter(deps: Deps, scope: ThrottleScope, key: string) {
  const rate = deps.config.throttleRates[scope];
  if (!deps.config.throttleEnabled || rate === null) return null;
  const nowSeconds = Math.floor(deps.now() / 1000);
  const window = Math.floor(nowSeconds / rate.periodSeconds);
  const windowEnd = (window + 1) * rate.periodSeconds;
  const kvKey = `throttle:${scope}:${await hashKey(key)}:${window}`;
  const count = Number((await deps.kv.get(kvKey)) ?? "0");
  return { rate, kvKey, count, secondsLeft: windowEnd - nowSeconds };
}

/** Counts one hit for `scope`/`key`; refuses when the window's limit is already reached. */
export async function hitThrottle(deps: Deps, scope: ThrottleScope, key: string): Promise<ThrottleResult> {
  const counter = await windowCounter(deps, scope, key);
  if (!counter) return { allowed: true };
  if (counter.count >= counter.rate.limit) return { allowed: false, retryAfterSeconds: counter.secondsLeft };
  deps.defer(deps.kv.put(counter.kvKey, String(counter.count + 1), { expirationTtl: Math.max(60, counter.secondsLeft + 1) }));
  return { allowed: true };
}

/**
 * Whether `scope`/`key` has budget left, without spending any: for a budget spent only by some
 * answers, so that once it is gone every answer is the same 429 (no answer tells the cases apart).
 */
export async function peekThrottle(deps: Deps, scope: ThrottleScope, key: string): Promise<ThrottleResult> {
  const counter = await windowCounter(deps, scope, key);
  if (!counter || counter.count < counter.rate.limit) return { allowed: true };
  return { allowed: false, retryAfterSeconds: counter.secondsLeft };
}
