// Storage faults for tests: wraps the D1 and KV bindings so that a chosen call (by its index among
// the request's storage round trips) fails the way the real service fails. Only the failure is
// fake; every other call reaches the real D1/KV of workerd.
import { env } from "cloudflare:test";
import type { Bindings } from "../src/config";

/** What D1 says when it loses its connection, and when a storage operation times out (the object is reset). */
export const D1_ERRORS = {
  error: "D1_ERROR: Network connection lost.",
  timeout: "D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.",
} as const;
/** workerd's KV binding when the KV service answers 5xx. */
export const KV_ERROR = "KV GET failed: 503 Service Unavailable";

export type FaultMode = keyof typeof D1_ERRORS;

/** One storage round trip: a D1 statement or batch (with its SQL) or a KV operation. */
export interface StorageCall {
  binding: "DB" | "KV";
  what: string;
  failed: boolean;
  /** Its index among the D1 round trips (-1 for KV). */
  index: number;
  /** Which request (0-based, with a shared counter) made it. */
  request: number;
}

export interface FaultPlan {
  /** Index (0-based, over D1 round trips: a statement or a whole batch) of the D1 call that fails. */
  d1At?: number;
  /** Every D1 call whose SQL matches fails. */
  d1Matching?: RegExp;
  /** Every KV operation fails. */
  kvDown?: boolean;
  mode?: FaultMode;
}

export interface FaultyBindings {
  env: Bindings;
  /** Every storage call the requests made with `env`, in order. */
  calls: StorageCall[];
  /** How many D1 round trips so far. */
  readonly d1Calls: number;
  /** How many faults were injected so far. */
  readonly injected: number;
}

/** Fault counter over the whole run, for the report. */
export const faultTotals = { injected: 0 };

const STATEMENT_RUNS = ["first", "all", "run", "raw"] as const;

/**
 * `base` (default: the test env) with DB and TOKENS_KV wrapped. Bound statements are wrapped so a run
 * counts as one call; a batch is one call too (it is one round trip and one transaction), and gets the
 * real statements back. withSession (D1 Sessions API) hands out a session wrapped the same way.
 */
export function faultyBindings(plan: FaultPlan = {}, base: Bindings = env as unknown as Bindings, shared?: FaultCounter): FaultyBindings {
  const counter = shared ?? newFaultCounter();
  const calls = counter.calls;
  const mode = plan.mode ?? "error";
  const real = new WeakMap<object, D1PreparedStatement>();

  /** Counts one D1 round trip; rejects instead of running it when it is the chosen one. */
  const d1Call = <T>(what: string, run: () => Promise<T>): Promise<T> => {
    const index = counter.d1Calls++;
    const failed = index === plan.d1At || (plan.d1Matching?.test(what) ?? false);
    calls.push({ binding: "DB", what, failed, index, request: counter.requests });
    if (failed) {
      counter.injected++;
      faultTotals.injected++;
      return Promise.reject(new Error(D1_ERRORS[mode]));
    }
    return run();
  };

  const wrapStatement = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapper: Record<string, unknown> = {
      bind: (...values: unknown[]) => wrapStatement(statement.bind(...values), sql),
    };
    for (const method of STATEMENT_RUNS) {
      wrapper[method] = (...args: unknown[]) => d1Call(sql, () => (statement[method] as (...a: unknown[]) => Promise<unknown>).apply(statement, args));
    }
    real.set(wrapper, statement);
    return wrapper as unknown as D1PreparedStatement;
  };

  const wrapDatabase = (db: Pick<D1Database, "prepare" | "batch">): D1Database => {
    const wrapper: Record<string, unknown> = {
      prepare: (sql: string) => wrapStatement(db.prepare(sql), sql),
      batch: (statements: D1PreparedStatement[]) =>
        d1Call(`batch[${statements.length}]`, () => db.batch(statements.map((s) => real.get(s) ?? s))),
      exec: (sql: string) => d1Call(sql, () => (db as D1Database).exec(sql)),
      dump: () => (db as D1Database).dump(),
      withSession: (constraint?: string) => wrapDatabase((db as D1Database).withSession(constraint as never) as unknown as D1Database),
      getBookmark: () => (db as unknown as { getBookmark(): string | null }).getBookmark?.() ?? null,
    };
    return wrapper as unknown as D1Database;
  };

  const kv = base.TOKENS_KV;
  const kvWrapper = new Proxy(kv, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const failed = plan.kvDown === true;
        calls.push({ binding: "KV", what: `${String(property)} ${String(args[0])}`, failed, index: -1, request: counter.requests });
        if (failed) {
          counter.injected++;
          faultTotals.injected++;
          return Promise.reject(new Error(KV_ERROR.replace("GET", String(property).toUpperCase())));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });

  return {
    env: { ...base, DB: wrapDatabase(base.DB), TOKENS_KV: kvWrapper },
    calls,
    get d1Calls() {
      return counter.d1Calls;
    },
    get injected() {
      return counter.injected;
    },
  };
}

/** The count of D1 round trips and requests that several wrapped bindings share (one per test case run). */
export interface FaultCounter {
  d1Calls: number;
  requests: number;
  injected: number;
  calls: StorageCall[];
}

export const newFaultCounter = (): FaultCounter => ({ d1Calls: 0, requests: 0, injected: 0, calls: [] });

/**
 * Tables written after the response (waitUntil): the security history and the mail outbox. A fault
 * there cannot fail the request that is already answered; snapshots leave them out.
 */
export const WRITTEN_AFTER_RESPONSE = new Set(["events", "mail_outbox"]);
/**
 * Attempt counters, taken before the attempt is judged so that parallel guesses share one limit: an
 * attempt that then fails for any reason, an outage included, has been made. Snapshots leave them out.
 */
const ATTEMPT_COUNTERS: Record<string, string[]> = { mfa_tickets: ["failures"] };
/** Static data seeded by a migration, never written by a request. */
const STATIC_TABLES = new Set(["common_passwords", "d1_migrations"]);

/** Every row of every table a request may write (SELECT * ordered by rowid), as one comparable value. */
export async function snapshot(): Promise<Record<string, unknown[]>> {
  const { results: tables } = await env.DB.prepare(
    "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' order by name",
  ).all<{ name: string }>();
  const out: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    if (STATIC_TABLES.has(name) || WRITTEN_AFTER_RESPONSE.has(name)) continue;
    const withRowid = await env.DB.prepare(`select * from "${name}" order by rowid`)
      .all()
      .catch(() => env.DB.prepare(`select * from "${name}"`).all());
    const masked = ATTEMPT_COUNTERS[name] ?? [];
    out[name] = withRowid.results.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !masked.includes(column))));
  }
  return out;
}
