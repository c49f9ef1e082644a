// Fills the username/e-mail keys that migration 0006 could not compute in SQL (rows with non-ASCII
// text hold `PENDING:<id>`). One SQL text for both runners: the cron (maintenance.ts) and
// `npm run db:fill-keys` (scripts/fill-identifier-keys.ts, through wrangler).
// Pure (no Worker types), so the Node script can load it.
import { sqlValue } from "../import/sql";
import { identifierKey } from "./username";

/** Markers hold ASCII capitals, which identifierKey never yields: no typed identifier reaches them. */
export const PENDING_KEY_PREFIX = "PENDING:";
export const COLLISION_KEY_PREFIX = "COLLISION:";

export interface PendingKeyRow {
  id: number;
  username: string;
  email: string;
  username_key: string;
  email_key: string;
}

/**
 * Rows still waiting for a key, oldest first. Range terms rather than GLOB so both unique indexes
 * serve them (`email_key <> ''` lets SQLite use the partial one): an idle run costs two index probes.
 */
export function pendingKeyRowsSql(limit: number): string {
  const columns = "id, username, email, username_key, email_key";
  const range = (column: string) => `${column} >= '${PENDING_KEY_PREFIX}' AND ${column} < 'PENDING;'`;
  return (
    `SELECT ${columns} FROM (SELECT ${columns} FROM users WHERE ${range("username_key")} ` +
    `UNION SELECT ${columns} FROM users WHERE email_key <> '' AND ${range("email_key")}) ORDER BY id LIMIT ${Math.trunc(limit)}`
  );
}

/**
 * For each pending column, one UPDATE that writes the key unless another row already holds it; then
 * the row gets `COLLISION:<id>` instead (two accounts that were distinct under lower() but are one
 * under the fold, e.g. "Üser" and "üser": the row that had its key first keeps it, ASCII rows
 * since the migration, then by id). RETURNING shows which happened. Run in order, in one
 * transaction, so rows of the same run that fold together are decided one after the other.
 */
export function keyFillStatements(row: PendingKeyRow): string[] {
  const statements: string[] = [];
  const fill = (column: "username_key" | "email_key", key: string) => {
    const marker = `${PENDING_KEY_PREFIX}${row.id}`;
    const taken = `EXISTS (SELECT 1 FROM users WHERE ${column} = ${sqlValue(key)}${column === "email_key" ? " AND email_key <> ''" : ""})`;
    const value = key === "" ? "''" : `iif(${taken}, '${COLLISION_KEY_PREFIX}' || id, ${sqlValue(key)})`;
    statements.push(
      `UPDATE users SET ${column} = ${value} WHERE id = ${sqlValue(row.id)} AND ${column} = ${sqlValue(marker)} ` +
        `RETURNING id, '${column}' AS column_name, ${column} AS key`,
    );
  };
  if (row.username_key.startsWith(PENDING_KEY_PREFIX)) fill("username_key", identifierKey(row.username));
  if (row.email_key.startsWith(PENDING_KEY_PREFIX)) fill("email_key", identifierKey(row.email));
  return statements;
}

export interface KeyFillReport {
  filled: number;
  /** Rows whose key another account holds: they keep a `COLLISION:` key (README, "Upgrading"). */
  collisions: Array<{ id: number; column: string }>;
}

/** Reads what keyFillStatements' RETURNING gave. */
export function keyFillOutcome(results: ReadonlyArray<ReadonlyArray<{ id: number; column_name: string; key: string }>>): KeyFillReport {
  const report: KeyFillReport = { filled: 0, collisions: [] };
  for (const row of results.flat()) {
    if (row.key.startsWith(COLLISION_KEY_PREFIX)) report.collisions.push({ id: row.id, column: row.column_name });
    else report.filled++;
  }
  return report;
}
