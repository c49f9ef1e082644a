// What the database CLIs (npm run db:fill-keys, npm run outbox) share: the options that name the
// database, the check that one was named, and `wrangler d1 execute` on it.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

const WRANGLER = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");

const TARGET_OPTIONS = {
  local: { type: "boolean", default: false },
  remote: { type: "boolean", default: false },
  "persist-to": { type: "string" },
  env: { type: "string" },
  database: { type: "string", default: "DB" },
  config: { type: "string" },
  help: { type: "boolean", default: false },
} as const;

/** Which database a run acts on, from the command line. */
export interface D1Target {
  local: boolean;
  remote: boolean;
  "persist-to"?: string;
  env?: string;
  database?: string;
  config?: string;
}

/**
 * Parses the command line: the target options plus the boolean `flags`. Prints `usage` for --help;
 * exits 2 when the database is not named (no default that could be production) or an option does not fit.
 */
export function parseD1Cli<F extends string = never>(usage: string, flags: readonly F[] = [], allowPositionals = false) {
  const fail = (message: string): never => {
    console.error(`${message}\n${usage}`);
    process.exit(2);
  };
  const options: NonNullable<ParseArgsConfig["options"]> = { ...TARGET_OPTIONS };
  for (const flag of flags) options[flag] = { type: "boolean", default: false };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ allowPositionals, options });
  } catch (error) {
    return fail((error as Error).message);
  }
  const opts = parsed.values as unknown as D1Target & { help: boolean } & Record<F, boolean>;
  if (opts.help) (console.log(usage), process.exit(0));
  if (Number(opts.local) + Number(opts.remote) !== 1) fail("Choose one of --local, --remote.");
  if (opts["persist-to"] && !opts.local) fail("--persist-to goes with --local.");
  return { opts, positionals: parsed.positionals, fail };
}

/** `wrangler d1 execute` on the target with `args` (`--command …` or `--file …`); its stdout, or throws. */
export function d1Execute(target: D1Target, args: string[]): string {
  const where = target.remote ? ["--remote"] : ["--local", ...(target["persist-to"] ? ["--persist-to", target["persist-to"]] : [])];
  const all = [
    WRANGLER, "d1", "execute", target.database ?? "DB", ...args, "--yes", ...where,
    ...(target.env ? ["--env", target.env] : []), ...(target.config ? ["--config", target.config] : []),
  ];
  const result = spawnSync(process.execPath, all, { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  if (result.status !== 0) throw new Error(`wrangler d1 execute failed (exit ${result.status}): ${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** One statement's rows. */
export function d1Query<T>(target: D1Target, sql: string): T[] {
  const output = JSON.parse(d1Execute(target, ["--command", sql, "--json"])) as Array<{ results: T[] }>;
  return output.flatMap((part) => part.results);
}
