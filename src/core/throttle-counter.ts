// The exact throttle store: one SQLite-backed Durable Object per key (a client network, an account, a
// typed identifier or address). An object runs one call at a time and its storage API is synchronous,
// so read-compare-write is atomic without a transaction: a limit of N admits N, however many callers.
import { DurableObject } from "cloudflare:workers";

/** `limit` hits per fixed window of `periodSeconds` (windows aligned to the Unix epoch). */
export interface WindowRate {
  limit: number;
  periodSeconds: number;
}

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** LOCKOUT_THRESHOLD failed passwords within LOCKOUT_WINDOW seconds lock the account's password logins. */
export interface LockoutPolicy {
  threshold: number;
  windowSeconds: number;
}

export type LoginAdmission =
  | { allowed: true; attempt: number }
  | { allowed: false; retryAfterSeconds: number; lockStarted?: { lock: number; seconds: number } };

/** The first lock lasts a minute; each further one in a streak twice the one before, at most a day. */
export const LOCK_BASE_SECONDS = 60;
export const LOCK_MAX_SECONDS = 86_400;
/** A streak is forgotten once this long has passed since its last lock ended without a new one. */
export const STREAK_MEMORY_SECONDS = 86_400;

export const lockSeconds = (lock: number): number => Math.min(LOCK_BASE_SECONDS * 2 ** (lock - 1), LOCK_MAX_SECONDS);

interface Counter {
  window: number;
  count: number;
}

interface Lockout {
  /** Password attempts within the window that have not proved the password: failed or still running. */
  attempts: Array<{ id: number; at: number }>;
  nextId: number;
  /** Locks so far in the current streak (0 = none). */
  streak: number;
  lockedUntil: number;
  /** When this state may be deleted (ms, caller's clock). */
  expiresAt: number;
}

/**
 * Data is deleted this long after its last window or lock is over: the alarm runs on the object's
 * clock, the windows on the caller's, and a late delete costs a few bytes while an early one would
 * hand out a fresh budget.
 */
const DELETE_GRACE_MS = 3_600_000;

const LOCKOUT = "lockout";
const EXPIRES = "expires";

/** The fixed window `now` falls in and the whole seconds left in it (at least 1). */
export function windowOf(rate: WindowRate, nowMs: number): { window: number; secondsLeft: number } {
  const nowSeconds = Math.floor(nowMs / 1000);
  const window = Math.floor(nowSeconds / rate.periodSeconds);
  return { window, secondsLeft: Math.max(1, (window + 1) * rate.periodSeconds - nowSeconds) };
}

export class ThrottleCounter extends DurableObject {
  /** Counts one hit of `scope`; refuses (and counts nothing) once the window's limit is reached. */
  hit(scope: string, rate: WindowRate, nowMs: number): Verdict {
    return this.#count(scope, rate, nowMs, true);
  }

  /** Whether `scope` has budget left in this window, spending none. */
  peek(scope: string, rate: WindowRate, nowMs: number): Verdict {
    return this.#count(scope, rate, nowMs, false);
  }

  /**
   * A password login for this account (or unknown identifier) may check a password: not while it is
   * locked, and only within the `login_identifier` budget. An admitted attempt counts as failed until
   * `loginSucceeded` says otherwise, so parallel guesses cannot slip past the threshold while their
   * passwords are being checked. When the threshold is reached (or, in a streak, any failure since the
   * last lock), this attempt starts the next lock instead.
   */
  beginLogin(rate: WindowRate | null, policy: LockoutPolicy | null, nowMs: number): LoginAdmission {
    const kv = this.ctx.storage.kv;
    if (!policy) {
      const verdict = rate ? this.hit("login_identifier", rate, nowMs) : ({ allowed: true } as const);
      return verdict.allowed ? { allowed: true, attempt: 0 } : verdict;
    }
    const state = kv.get<Lockout>(LOCKOUT) ?? { attempts: [], nextId: 1, streak: 0, lockedUntil: 0, expiresAt: 0 };
    if (nowMs < state.lockedUntil) return { allowed: false, retryAfterSeconds: Math.ceil((state.lockedUntil - nowMs) / 1000) };
    if (state.streak > 0 && nowMs - state.lockedUntil >= STREAK_MEMORY_SECONDS * 1000) state.streak = 0;
    state.attempts = state.attempts.filter((attempt) => attempt.at > nowMs - policy.windowSeconds * 1000);
    if (state.attempts.length >= (state.streak > 0 ? 1 : policy.threshold)) {
      state.streak += 1;
      const seconds = lockSeconds(state.streak);
      state.lockedUntil = nowMs + seconds * 1000;
      state.attempts = [];
      this.#saveLockout(state, nowMs);
      return { allowed: false, retryAfterSeconds: seconds, lockStarted: { lock: state.streak, seconds } };
    }
    if (rate) {
      const verdict = this.hit("login_identifier", rate, nowMs);
      if (!verdict.allowed) return verdict;
    }
    const attempt = state.nextId++;
    state.attempts.push({ id: attempt, at: nowMs });
    this.#saveLockout(state, nowMs, policy.windowSeconds);
    return { allowed: true, attempt };
  }

  /** The password of `attempt` was right: the failures before it and the streak are forgiven. */
  loginSucceeded(attempt: number): void {
    const state = this.ctx.storage.kv.get<Lockout>(LOCKOUT);
    if (!state) return;
    // Attempts begun after this one are still running and stay counted.
    state.attempts = state.attempts.filter((other) => other.id > attempt);
    state.streak = 0;
    this.ctx.storage.kv.put(LOCKOUT, state);
  }

  /** A password reset: the lock, the failures and the streak are gone. */
  liftLockout(): void {
    this.ctx.storage.kv.delete(LOCKOUT);
  }

  /** Deletes everything once every window and lock in it is over (the object then costs nothing). */
  override async alarm(): Promise<void> {
    const expires = this.ctx.storage.kv.get<{ at: number; realAt: number }>(EXPIRES);
    if (expires && expires.realAt > Date.now()) {
      await this.ctx.storage.setAlarm(expires.realAt);
      return;
    }
    await this.ctx.storage.deleteAll();
  }

  #count(scope: string, rate: WindowRate, nowMs: number, spend: boolean): Verdict {
    const kv = this.ctx.storage.kv;
    const { window, secondsLeft } = windowOf(rate, nowMs);
    const stored = kv.get<Counter>(`c:${scope}`);
    // A caller whose clock is a little behind another's still counts in the newest window.
    const current = stored && stored.window >= window ? stored : { window, count: 0 };
    if (current.count >= rate.limit) return { allowed: false, retryAfterSeconds: stored && stored.window > window ? rate.periodSeconds : secondsLeft };
    if (spend) {
      kv.put(`c:${scope}`, { window: current.window, count: current.count + 1 });
      this.#expireAfter(nowMs, (current.window + 1) * rate.periodSeconds * 1000);
    }
    return { allowed: true };
  }

  #saveLockout(state: Lockout, nowMs: number, windowSeconds = 0): void {
    state.expiresAt = Math.max(state.expiresAt, state.lockedUntil + STREAK_MEMORY_SECONDS * 1000, nowMs + windowSeconds * 1000);
    this.ctx.storage.kv.put(LOCKOUT, state);
    this.#expireAfter(nowMs, state.expiresAt);
  }

  /**
   * Keeps the object's data until `atMs` (caller's clock) at least. The alarm runs on the object's
   * own clock, so the delay, not the instant, is carried over; it is set only when it moves later.
   */
  #expireAfter(nowMs: number, atMs: number): void {
    const expires = this.ctx.storage.kv.get<{ at: number; realAt: number }>(EXPIRES);
    if (expires && expires.at >= atMs) return;
    const realAt = Date.now() + Math.max(0, atMs - nowMs) + DELETE_GRACE_MS;
    this.ctx.storage.kv.put(EXPIRES, { at: atMs, realAt });
    if (!expires) void this.ctx.storage.setAlarm(realAt);
  }
}
