// `npm run db:fill-keys -- (--local [--persist-to DIR] | --remote) [--database DB] [--config wrangler.toml]`
//
// Fills, at once, the username/e-mail keys migration 0006 left as `PENDING:<id>` (rows with non-ASCII
// text), which the cron otherwise fills 20 per run. The same SQL as the cron (src/core/identifier-keys.ts),
// through `wrangler d1 execute`; safe to run any number of times, also while the Worker serves.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { COLLISION_KEY_PREFIX, keyFillStatements, type PendingKeyRow, pendingKeyRowsSql } from "../src/core/identifier-keys";

const USAGE = "Usage: npm run db:fill-keys -- (--local [--persist-to DIR] | --remote) [--database DB] [--config wrangler.toml]";
const BATCH = 500;

const { values: opts } = parseArgs({
  options: {
    local: { type: "boolean", default: false },
    remote: { type: "boolean", default: false },
    "persist-to": { type: "string" },
    database: { type: "string", default: "DB" },
    config: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

if (opts.help) (console.log(USAGE), process.exit(0));
// Writing to a database must be asked for by name: no default that could be production.
if (Number(opts.local) + Number(opts.remote) !== 1) fail("Choose one of --local, --remote.");
if (opts["persist-to"] && !opts.local) fail("--persist-to goes with --local.");

const WRANGLER = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");

function wrangler(args: string[]): string {
  const target = opts.remote ? ["--remote"] : ["--local", ...(opts["persist-to"] ? ["--persist-to", opts["persist-to"]] : [])];
  const all = [WRANGLER, "d1", "execute", opts.database!, ...args, "--yes", ...target, ...(opts.config ? ["--config", opts.config] : [])];
  const result = spawnSync(process.execPath, all, { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  if (result.status !== 0) throw new Error(`wrangler d1 execute failed (exit ${result.status}): ${result.stdout}${result.stderr}`);
  return result.stdout;
}

function query<T>(sql: string): T[] {
  const output = JSON.parse(wrangler(["--command", sql, "--json"])) as Array<{ results: T[] }>;
  return output.flatMap((part) => part.results);
}

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
