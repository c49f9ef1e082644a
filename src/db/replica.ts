// Reads that a nearby D1 read replica may serve (D1 Sessions API); every other query goes to the primary.
// ARCHITECTURE.md, "Consistency", says which reads come here and why each is safe.

/** The part of a Drizzle D1 prepared query that says which statement it runs. */
interface D1Prepared {
  query: { sql: string };
}

/**
 * `query` (prepared once per isolate on the primary's client) run through `session` instead: the
 * same SQL, parameters and row mapping, one statement of the session. Drizzle's D1 prepared query
 * keeps the statement it binds in `stmt`; a view of the query with another `stmt` is all it takes
 * (drizzle-orm 0.45.4, pinned; test/round-trips.test.ts fails if this ever reaches the primary).
 */
export function onSession<Q extends object>(query: Q, session: D1DatabaseSession): Q {
  const sql = (query as unknown as D1Prepared).query.sql;
  return Object.create(query, { stmt: { value: session.prepare(sql) } }) as Q;
}

/**
 * One D1 session per request, opened on first use: "first-unconstrained" lets its first query go to
 * whichever instance (replica or primary) is nearest; later queries of the session see at least what
 * the first one saw (D1's sequential consistency within a session).
 */
export function replicaSession(d1: D1Database): () => D1DatabaseSession {
  let session: D1DatabaseSession | undefined;
  return () => (session ??= d1.withSession("first-unconstrained"));
}
