// `npm run import:django -- dump.json (--local [--persist-to DIR] | --remote | --dry-run) [options]`
//
// Imports `manage.py dumpdata auth.user account.emailaddress socialaccount.socialaccount --natural-foreign`
// into D1. The file is streamed twice (src/import/django-import.ts decides after the first pass), the
// statements go to SQL files of a few MB, and each file is applied with `wrangler d1 execute --file`.
// Memory stays at a few hundred bytes per user whatever the dump's size. See README, "Leaving Django".
import { spawnSync } from "node:child_process";
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { JSONParser } from "@streamparser/json";
import { DjangoImport, type ImportReport, type SkippedRow } from "../src/import/django-import";

const USAGE = `Usage: npm run import:django -- <dump.json> (--local [--persist-to DIR] | --remote | --dry-run)
  [--database DB] [--config wrangler.toml] [--user-model auth.user] [--out DIR] [--report report.json] [--file-mb 8]`;

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    local: { type: "boolean", default: false },
    remote: { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    "persist-to": { type: "string" },
    database: { type: "string", default: "DB" },
    config: { type: "string" },
    "user-model": { type: "string", default: "auth.user" },
    out: { type: "string" },
    report: { type: "string" },
    "file-mb": { type: "string", default: "8" },
    help: { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const dumpPath = positionals[0];
if (opts.help) (console.log(USAGE), process.exit(0));
if (!dumpPath || positionals.length > 1) fail("Give exactly one dump file.");
// Writing to a database must be asked for by name: no default that could be production.
if (Number(opts.local) + Number(opts.remote) + Number(opts["dry-run"]) !== 1) fail("Choose one of --local, --remote, --dry-run.");
if (opts["persist-to"] && !opts.local) fail("--persist-to goes with --local.");
const fileBytes = Number(opts["file-mb"]) * 1024 * 1024;
if (!(fileBytes > 0)) fail("--file-mb must be a positive number.");

/** Streams the dump's top-level array, one record at a time; returns how many there were. */
async function eachRecord(path: string, visit: (record: unknown) => void): Promise<number> {
  const parser = new JSONParser({ paths: ["$.*"], keepStack: false });
  let count = 0;
  parser.onValue = ({ value, key }) => {
    if (typeof key !== "number") throw new Error("the dump is not a JSON array (is it dumpdata --format json output?)");
    count++;
    visit(value);
  };
  for await (const chunk of createReadStream(path)) parser.write(chunk as Uint8Array);
  if (!parser.isEnded) throw new Error("the dump ends before its closing bracket: is the file complete?");
  return count;
}

/** SQL files of about `limit` bytes each, written as statements arrive (never held in memory). */
class BatchFiles {
  readonly files: Array<{ path: string; statements: number }> = [];
  private fd: number | null = null;
  private bytes = 0;

  constructor(private readonly dir: string, private readonly limit: number) {}

  add(statements: string[]): void {
    for (const statement of statements) {
      if (this.fd === null || this.bytes >= this.limit) this.rotate();
      const line = `${statement}\n`;
      writeSync(this.fd!, line);
      this.bytes += Buffer.byteLength(line);
      this.files.at(-1)!.statements++;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private rotate(): void {
    this.close();
    const path = join(this.dir, `django-import-${String(this.files.length + 1).padStart(4, "0")}.sql`);
    this.fd = openSync(path, "w");
    this.bytes = 0;
    this.files.push({ path, statements: 0 });
  }
}

const WRANGLER = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");

function applyFile(path: string): void {
  const target = opts.remote ? ["--remote"] : ["--local", ...(opts["persist-to"] ? ["--persist-to", opts["persist-to"]] : [])];
  const args = [WRANGLER, "d1", "execute", opts.database!, "--file", path, "--yes", ...target, ...(opts.config ? ["--config", opts.config] : [])];
  const result = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    throw new Error(`wrangler d1 execute failed on ${path} (exit ${result.status}); re-running the import is safe`);
  }
}

function printReport(report: ImportReport, records: number): void {
  console.log(`\n${records} records read`);
  console.log(`users: ${report.users} (with an address: ${report.addresses}, verified: ${report.verifiedAddresses}), profiles: ${report.users}`);
  console.log(`social accounts: ${report.socialAccounts}`);
  console.log(`password hashers: ${Object.entries(report.hashers).map(([h, n]) => `${h === "!" ? "unusable" : h} ${n}`).join(", ") || "none"}`);
  for (const warning of report.warnings) console.log(`warning: ${warning}`);
  console.log(`skipped: ${report.skippedRows} (each listed above)`);
}

async function main(): Promise<void> {
  const started = performance.now();
  // Skipped rows are printed as the second pass meets them, not held: a big dump can have many.
  const onSkip = (row: SkippedRow) => console.log(`skipped ${row.model} pk=${JSON.stringify(row.pk)}: ${row.reason}`);
  const importer = new DjangoImport({ userModel: opts["user-model"], onSkip });
  const records = await eachRecord(dumpPath!, (record) => importer.scan(record));
  importer.decide();
  const scanned = performance.now();

  const dir = opts.out ?? mkdtempSync(join(tmpdir(), "django-import-"));
  mkdirSync(dir, { recursive: true });
  const batches = new BatchFiles(dir, fileBytes);
  await eachRecord(dumpPath!, (record) => batches.add(importer.emit(record)));
  batches.add(importer.finish());
  batches.close();
  const generated = performance.now();
  const statements = batches.files.reduce((n, f) => n + f.statements, 0);
  console.log(`read and planned in ${((scanned - started) / 1000).toFixed(1)} s; ${statements} statements in ${batches.files.length} files written in ${((generated - scanned) / 1000).toFixed(1)} s${opts.out ? ` to ${dir}` : ""}`);

  if (!opts["dry-run"]) {
    for (const [i, file] of batches.files.entries()) {
      const t = performance.now();
      applyFile(file.path);
      console.log(`applied ${i + 1}/${batches.files.length} (${file.statements} statements) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (!opts.out) rmSync(dir, { recursive: true, force: true });
  printReport(importer.report, records);
  if (opts.report) writeFileSync(opts.report, `${JSON.stringify(importer.report, null, 1)}\n`);
  const rate = Math.round(importer.report.users / seconds);
  console.log(`${opts["dry-run"] ? "dry run (nothing written)" : "done"} in ${seconds.toFixed(1)} s: ${rate} users/s; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}

main().catch((error: unknown) => {
  console.error(`import failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
