// Hot-path queries are built once per isolate (Drizzle's .prepare() with placeholders) instead of
// on every request: building the SQL string was a tenth of an authenticated GET's CPU.
import type { Database } from "../core/deps";

const cache = new WeakMap<Database, Map<(db: Database) => unknown, unknown>>();

/** The prepared query `build` makes for `db`, built on first use. */
export function prepared<T>(db: Database, build: (db: Database) => T): T {
  let queries = cache.get(db);
  if (!queries) {
    queries = new Map();
    cache.set(db, queries);
  }
  let query = queries.get(build) as T | undefined;
  if (query === undefined) {
    query = build(db);
    queries.set(build, query);
  }
  return query;
}
