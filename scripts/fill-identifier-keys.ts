// `npm run db:fill-keys -- (--local [--persist-to DIR] | --remote) [--env NAME] [--database DB] [--config wrangler.toml]`
//
// Fills, at once, the username/e-mail keys migration 0006 left as `PENDING:<id>` (rows with non-ASCII
// text), which the cron otherwise fills 20 per run. The same SQL as the cron (src/core/identifier-keys.ts),
// through `wrangler d1 execute`; safe to run any number of times, also while the Worker serves.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { d1Execute, d1Query, parseD1Cli } from "./d1-cli";
import { COLLISION_KEY_PREFIX, keyFillStatements, type PendingKeyRow, pendingKeyRowsSql } from "../src/core/identifier-keys";

const USAGE = "Usage: npm run db:fill-keys -- (--local [--persist-to DIR] | --remote) [--env NAME] [--database DB] [--config wrangler.toml]";
const BATCH = 500;

const { opts } = parseD1Cli(USAGE);
const wrangler = (args: string[]) => d1Execute(opts, args);
const query = <T>(sql: string) => d1Query<T>(opts, sql);

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "fill-keys-"));
  let filled = 0;
  const collisions: Array<{ id: number; username_key: string; email_key: string }> = [];
  try {
    for (let round = 1; ; round++) {
      const rows = query<PendingKeyRow>(pendingKeyRowsSql(BATCH));
      if (rows.length === 0) break;
      const file = join(dir, `round-${round}.sql`);
      writeFileSync(file, `${rows.flatMap(keyFillStatements).join(";\n")};\n`);
      wrangler(["--file", file]);
      // What happened to each row, read back (a --file run does not print RETURNING rows).
      const after = query<{ id: number; username_key: string; email_key: string }>(
        `SELECT id, username_key, email_key FROM users WHERE id IN (${rows.map((r) => r.id).join(", ")})`,
      );
      const stuck = after.filter((r) => r.username_key.startsWith("PENDING:") || r.email_key.startsWith("PENDING:"));
      if (stuck.length === rows.length) throw new Error(`no progress on ids ${stuck.map((r) => r.id).join(", ")}`);
      for (const row of after) {
        if (row.username_key.startsWith(COLLISION_KEY_PREFIX) || row.email_key.startsWith(COLLISION_KEY_PREFIX)) collisions.push(row);
        else filled++;
      }
      console.log(`round ${round}: ${rows.length} rows`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`keyed ${filled} rows; ${collisions.length} collide with another account under the fold`);
  for (const row of collisions) {
    const which = [row.username_key, row.email_key].filter((key) => key.startsWith(COLLISION_KEY_PREFIX)).length === 2 ? "username and e-mail" : row.username_key.startsWith(COLLISION_KEY_PREFIX) ? "username" : "e-mail";
    console.log(`collision: user ${row.id}: its ${which} is another account's under the fold (README, "Upgrading")`);
  }
}

try {
  main();
} catch (error) {
  console.error(`fill failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
