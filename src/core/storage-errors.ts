// Which thrown errors mean "D1 or KV is unavailable right now" (answered 503) rather than a bug (500).

/** Seconds a client is told to wait after a storage outage (the Retry-After of the 503). */
export const STORAGE_RETRY_AFTER = 5;

/**
 * D1's own words for a failure of the service rather than of the statement: lost connection,
 * overload, storage timeout or reset, internal error (Cloudflare's D1 documentation, "Errors").
 */
const D1_TRANSIENT = /network connection lost|overloaded|too many requests|timeout|timed out|reset|internal error|unavailable|try again/i;
/** The statement itself is wrong: constraint, syntax, missing table or column, bad binding. Bugs, never 503. */
const STATEMENT_ERROR = /constraint failed|syntax error|no such (table|column)|SQLITE_(CONSTRAINT|ERROR|MISMATCH|RANGE)|D1_TYPE_ERROR|D1_COLUMN_NOTFOUND/i;
/** workerd's KV binding: "KV GET failed: 503 Service Unavailable" (a 5xx or 429 of the KV service). */
const KV_FAILURE = /^KV \w+ failed: (5\d\d|429)\b/;

function chain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && seen.length < 8; current = (current as { cause?: unknown }).cause) {
    seen.push(current);
    if (typeof current !== "object") break;
  }
  return seen;
}

/**
 * True when `error` (or what it wraps: Drizzle's DrizzleQueryError carries D1's error as its cause)
 * is D1 or KV failing as a service. Such a request did not complete; the client may retry it.
 */
export function isStorageUnavailable(error: unknown): boolean {
  const messages = chain(error).map((e) => (e instanceof Error ? e.message : String(e)));
  if (messages.some((m) => STATEMENT_ERROR.test(m))) return false;
  return messages.some((m) => KV_FAILURE.test(m) || ((m.startsWith("D1_") || m.includes("D1 DB")) && D1_TRANSIENT.test(m)));
}
