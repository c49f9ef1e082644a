// Scoped rate limits and the password lockout (contract §1.10), exact per key: every key is one
// Durable Object (throttle-counter.ts) that counts one call at a time. Keys: the client's network
// (IPv4 address, IPv6 /64), an account (its user id, whatever identifier was typed), or a typed
// identifier or address that names no account (its normalized form, so answers reveal nothing).
import type { ThrottleScope } from "../config";
import { toHex } from "../crypto/hmac";
import { networkOf } from "./client-network";
import type { Deps } from "./deps";
import type { LoginAdmission } from "./throttle-counter";
import { normalizeIdentifier } from "./users";

export type ThrottleResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Whose budget a hit spends. */
export type ThrottleKey = { kind: "network" | "account" | "name"; value: string };

/** The calling client's network (deps.client.ip): an IPv4 address or an IPv6 /64. */
export const clientNetworkKey = (deps: Deps): ThrottleKey => ({ kind: "network", value: networkOf(deps.client.ip) });

export const accountKey = (userId: number): ThrottleKey => ({ kind: "account", value: String(userId) });

/** A typed username or address, normalized as account lookups compare them. */
export const nameKey = (typed: string): ThrottleKey => ({ kind: "name", value: normalizeIdentifier(typed) });

async function counterFor(deps: Deps, key: ThrottleKey) {
  if (!deps.throttle) throw new Error("THROTTLE binding missing while throttling is enabled");
  // Identifiers and addresses never appear in object names.
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${key.kind}:${key.value}`));
  const namespace = deps.throttle;
  return namespace.get(namespace.idFromName(toHex(new Uint8Array(digest))));
}

const rateOf = (deps: Deps, scope: ThrottleScope) => (deps.config.throttleEnabled ? deps.config.throttleRates[scope] : null);

/** Counts one hit of `scope` for `key`; refuses once the window's limit is reached. */
export async function hitThrottle(deps: Deps, scope: ThrottleScope, key: ThrottleKey): Promise<ThrottleResult> {
  const rate = rateOf(deps, scope);
  if (!rate) return { allowed: true };
  return (await counterFor(deps, key)).hit(scope, rate, deps.now());
}

/**
 * Whether `scope`/`key` has budget left, without spending any: for a budget spent only by some
 * answers, so that once it is gone every answer is the same 429 (no answer tells the cases apart).
 */
export async function peekThrottle(deps: Deps, scope: ThrottleScope, key: ThrottleKey): Promise<ThrottleResult> {
  const rate = rateOf(deps, scope);
  if (!rate) return { allowed: true };
  return (await counterFor(deps, key)).peek(scope, rate, deps.now());
}

/**
 * The per-user scope of every authenticated request: Cloudflare's rate-limiting binding, counted per
 * location and approximate (its limit and period are USER_RATE_LIMITER's in wrangler.toml). An exact
 * count would cost a storage write on every request for a quota that is not a security boundary:
 * what guards passwords and codes on authenticated endpoints is the account's exact budget.
 */
export async function hitUserQuota(deps: Deps, userId: number): Promise<ThrottleResult> {
  const rate = rateOf(deps, "user");
  if (!rate) return { allowed: true };
  if (!deps.userRateLimiter) throw new Error("USER_RATE_LIMITER binding missing while the user scope is on");
  if ((await deps.userRateLimiter.limit({ key: String(userId) })).success) return { allowed: true };
  // The binding does not say when its window ends; its windows follow the clock, so this is at most the period.
  const nowSeconds = Math.floor(deps.now() / 1000);
  return { allowed: false, retryAfterSeconds: rate.periodSeconds - (nowSeconds % rate.periodSeconds) };
}

/**
 * Before a password is checked at login: refused while the account (or unknown identifier) is locked
 * out or its `login_identifier` budget is spent. Lockout is part of throttling: off with it. An
 * admission's `attempt` is 0 when nothing was counted.
 */
export async function beginPasswordLogin(deps: Deps, key: ThrottleKey): Promise<LoginAdmission> {
  const { config } = deps;
  const rate = rateOf(deps, "login_identifier");
  const policy = config.throttleEnabled && config.lockoutThreshold > 0 ? { threshold: config.lockoutThreshold, windowSeconds: config.lockoutWindow } : null;
  if (!rate && !policy) return { allowed: true, attempt: 0 };
  return (await counterFor(deps, key)).beginLogin(rate, policy, deps.now());
}

/** The password of an admitted attempt was right: its failures are forgiven (after the response). */
export function passwordLoginSucceeded(deps: Deps, key: ThrottleKey, attempt: number): void {
  if (attempt === 0 || !deps.config.throttleEnabled) return;
  deps.defer(counterFor(deps, key).then((counter) => counter.loginSucceeded(attempt)));
}

/** A successful password reset lifts the account's lockout. */
export async function liftLockout(deps: Deps, userId: number): Promise<void> {
  if (!deps.config.throttleEnabled || deps.config.lockoutThreshold === 0) return;
  await (await counterFor(deps, accountKey(userId))).liftLockout();
}
