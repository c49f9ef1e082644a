#!/usr/bin/env node
// edge-rest-auth benchmark: `npm run bench` from the repository root.
// See bench/README.md for what is measured and how. Writes bench/RESULTS.md
// and bench/.out/results.json. Knobs (environment):
//   BENCH_ROUNDS (3)  BENCH_SECONDS (7)  BENCH_CONNECTIONS (10)
//   BENCH_WARMUP_SECONDS (2)  BENCH_PORT (8810: dev proxies on 8811..8814)
//   BENCH_OURS_CONFIG (wrangler.toml of the repository root)
//   BENCH_SKIP_STARTUP=1 (skip the startup CPU profiles)
//   BENCH_QUICK=1 (one short round, no startup profiles: checks the scripts work; the report
//   goes to bench/.out/RESULTS.quick.md, never over bench/RESULTS.md)
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const OUT = join(BENCH, ".out");
const t0 = Date.now();
const log = (...a) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s]`, ...a);

const num = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
  return n;
};
// A check that the runner works, not a measurement: figures from it are never written to RESULTS.md.
const QUICK = process.env.BENCH_QUICK === "1";
const ROUNDS = QUICK ? 1 : Math.max(3, Math.round(num("BENCH_ROUNDS", 3)));
const SECONDS = QUICK ? 1 : num("BENCH_SECONDS", 7);
const CONNECTIONS = Math.round(num("BENCH_CONNECTIONS", 10));
const WARMUP = QUICK ? 0.5 : num("BENCH_WARMUP_SECONDS", 2);
const PORT = Math.round(num("BENCH_PORT", 8810));
const OURS_CONFIG = process.env.BENCH_OURS_CONFIG ? join(process.cwd(), process.env.BENCH_OURS_CONFIG) : join(ROOT, "wrangler.toml");
const SKIP_STARTUP = QUICK || process.env.BENCH_SKIP_STARTUP === "1";
// Development aid: only these scenario ids (comma-separated, e.g. "hello.get,ours.user");
// the report then goes to bench/.out/RESULTS.partial.md, never over bench/RESULTS.md.
const ONLY = (process.env.BENCH_ONLY ?? "").split(",").map((x) => x.trim()).filter(Boolean);
const MAX_REQUESTS = 200_000; // per measured run, whatever the rate

// ------------------------------------------------------------ dependencies
// From a clean clone: install the bench's pinned tools (bench/package-lock.json)
// and, if needed, the app's own dependencies (our Worker is bundled from src/).
function npmCi(dir) {
  log(`npm ci in ${relative(ROOT, dir) || "."} ...`);
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
}
{
  const lock = readFileSync(join(BENCH, "package-lock.json"));
  const stampFile = join(BENCH, "node_modules", ".bench-lock-sha256");
  const want = createHash("sha256").update(lock).digest("hex");
  const have = existsSync(stampFile) ? readFileSync(stampFile, "utf8").trim() : "";
  if (want !== have) {
    npmCi(BENCH);
    writeFileSync(stampFile, want);
  }
  if (!existsSync(join(ROOT, "node_modules", ".package-lock.json")) && existsSync(join(ROOT, "package-lock.json"))) {
    try {
      npmCi(ROOT);
    } catch (e) {
      // Our Worker will fail to bundle and be reported as not measured; the
      // floors and the peer only need bench/'s own dependencies.
      log(`npm ci in the repository root failed (${e.message.split("\n")[0]}); continuing without it`);
    }
  }
}

process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false"; // no network lookup of Request.cf
process.env.WRANGLER_SEND_METRICS = "false";
// The Workers run from a snapshot (the bundles and config read at start):
// an edit of a wrangler config during the run must not restart them.
process.env.WRANGLER_CI_DISABLE_CONFIG_WATCHING = "true";

const { startTarget } = await import("./lib/workers.mjs");
const { runLoad } = await import("./lib/load.mjs");
const { bundleSize, startupCpu, wrangler, WRANGLER_BIN } = await import("./lib/build.mjs");
const { machineInfo } = await import("./lib/proc.mjs");
const { checkTargets } = await import("./lib/targets.mjs");
const { latencyModel } = await import("./lib/latency.mjs");
const S = await import("./lib/scenarios.mjs");

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const pkgVersion = (name) => {
  try {
    return JSON.parse(readFileSync(join(BENCH, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
};

// ------------------------------------------------------------ targets
const runId = Date.now().toString(36);
const TARGETS = [
  { key: "hello", title: "floor: Hono hello world", config: join(BENCH, "workers/hello/wrangler.toml"), persist: false, scenarios: S.helloScenarios() },
  { key: "pbkdf2", title: "floor: PBKDF2-SHA256 100k", config: join(BENCH, "workers/pbkdf2/wrangler.toml"), persist: false, scenarios: S.pbkdf2Scenarios() },
  {
    key: "ours",
    title: "edge-rest-auth (ours)",
    config: OURS_CONFIG,
    persist: join(OUT, "state", "ours"),
    // .dev.vars/.env of a developer must not leak in: load no env file at all.
    envFiles: [join(OUT, "no-such.env")],
    bindings: {
      ACCOUNT_EMAIL_VERIFICATION: { type: "plain_text", value: "none" },
      THROTTLE_ENABLED: { type: "plain_text", value: "false" },
      PBKDF2_ITERATIONS: { type: "plain_text", value: "100000" },
      JWT_SIGNING_KEY: { type: "secret_text", value: randomBytes(32).toString("hex") },
    },
    scenarios: S.oursScenarios({ runId, connections: CONNECTIONS }),
  },
  {
    key: "peer",
    title: `better-auth ${pkgVersion("better-auth")} (peer)`,
    config: join(BENCH, "workers/better-auth/wrangler.toml"),
    persist: join(OUT, "state", "peer"),
    scenarios: S.peerScenarios({ runId, connections: CONNECTIONS }),
  },
];
const byKey = Object.fromEntries(TARGETS.map((t) => [t.key, t]));

const results = {
  date: new Date().toISOString(),
  command: commandLine(),
  settings: { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, warmupSeconds: WARMUP, maxRequestsPerRun: MAX_REQUESTS, skipStartup: SKIP_STARTUP, quick: QUICK },
  machine: {
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    cpus: cpus().length,
    ...machineInfo(),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    wrangler: pkgVersion("wrangler"),
    workerd: pkgVersion("workerd"),
    autocannon: pkgVersion("autocannon"),
    betterAuth: pkgVersion("better-auth"),
  },
  git: gitDescribe(),
  targets: {},
  scenarios: {},
  bundle: {},
  startup: {},
};

function commandLine() {
  const env = Object.keys(process.env)
    .filter((k) => k.startsWith("BENCH_"))
    .sort()
    .map((k) => `${k}=${process.env[k]} `)
    .join("");
  return `${env}npm run bench`;
}
function gitDescribe() {
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "migrations", "wrangler.toml", "package.json"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return dirty ? `${rev} (with uncommitted changes in the app)` : rev;
  } catch {
    return "no commit yet";
  }
}

// ------------------------------------------------------------ main
const started = [];
let stopping = false;
async function stopAll() {
  if (stopping) return;
  stopping = true;
  for (const t of started.splice(0)) await t.dispose().catch(() => {});
}
process.on("SIGINT", () => {
  log("interrupted: stopping the Workers");
  stopAll().finally(() => process.exit(130));
});

try {
  mkdirSync(OUT, { recursive: true });
  results.noise = { loadavgAtStart: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ") };
  log(`load average at start: ${results.noise.loadavgAtStart}`);
  log(`run ${runId}: ${ROUNDS} rounds x ${SECONDS} s per scenario, ${CONNECTIONS} connections, warm-up ${WARMUP} s`);

  // 1. Bundle every Worker exactly as `wrangler deploy` would (the size
  // figure), and run that bundle below, so edits to src/ during the run
  // cannot restart a Worker under load. Then startup CPU, on a quiet machine.
  for (const t of TARGETS) {
    log(`bundle: ${t.title}`);
    const b = await bundleSize({ config: t.config, outdir: join(OUT, "bundle", t.key), cwd: ROOT });
    results.bundle[t.key] = b;
    if (b.error) {
      t.failed = `bundling failed: ${b.error}`;
      log(`  ${t.failed}`);
      if (t.key !== "ours") throw new Error(`${t.key}: ${t.failed}`);
      continue;
    }
    t.entrypoint = join(OUT, "bundle", t.key, "index.js");
    log(`  ${b.line}`);
  }
  if (!SKIP_STARTUP) {
    for (const key of ["ours", "peer", "hello"]) {
      const t = byKey[key];
      if (t.failed) continue;
      log(`startup CPU: ${t.title}`);
      const st = (results.startup[key] = await startupCpu({ config: t.config, dir: join(OUT, "startup", key), cwd: ROOT }));
      log(`  ${st.error ? `failed: ${st.error}` : `${st.ms.toFixed(1)} ms (runs: ${st.runs.map((x) => x.toFixed(1)).join(", ")})`}`);
    }
  }

  // 2. Fresh local D1/KV state for the Workers that have one, with their migrations.
  rmSync(join(OUT, "state"), { recursive: true, force: true });
  for (const t of TARGETS.filter((x) => x.persist && !x.failed)) {
    const migDir = join(dirname(t.config), "migrations");
    const hasSql = existsSync(migDir) && readdirSync(migDir).some((f) => f.endsWith(".sql"));
    if (!hasSql) {
      log(`${t.key}: no migrations in ${relative(ROOT, migDir)}`);
      continue;
    }
    log(`${t.key}: wrangler d1 migrations apply DB --local --persist-to ${relative(ROOT, t.persist)}`);
    const r = await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", t.persist, "-c", t.config], { cwd: ROOT });
    if (r.code !== 0) {
      t.failed = `migrations failed (exit ${r.code}): ${r.out.trim().slice(-400)}`;
      log(`${t.key}: ${t.failed}`);
    }
  }

  // 3. Start every Worker (inspector off), one after the other.
  let port = PORT;
  for (const t of TARGETS) {
    port++;
    if (t.failed) {
      results.targets[t.key] = { title: t.title, config: relative(ROOT, t.config), error: t.failed };
      continue;
    }
    log(`starting ${t.title} (${relative(ROOT, t.config)}) ...`);
    try {
      t.run = await startTarget({
        name: t.key,
        config: t.config,
        entrypoint: t.entrypoint,
        port,
        persist: t.persist,
        bindings: t.bindings,
        envFiles: t.envFiles,
      });
      t.seenReloads = t.run.reloads();
      started.push(t.run);
      results.targets[t.key] = {
        title: t.title,
        config: relative(ROOT, t.config),
        devProxyPort: t.run.proxyPort,
        runtimePort: t.run.port,
        runtimePid: t.run.runtimePid,
        inspectorOff: t.run.inspectorOff,
        runtimeListening: t.run.runtimeListening,
      };
      log(`  up: runtime http://127.0.0.1:${t.run.port} (workerd pid ${t.run.runtimePid}), dev proxy :${t.run.proxyPort}, inspector ${t.run.inspectorOff ? "off" : "ON"}`);
      if (!t.run.inspectorOff) throw new Error("a workerd process was started with --inspector-addr");
    } catch (e) {
      t.failed = `failed to start: ${e.message}`;
      log(`  ${t.key} ${t.failed}`);
      results.targets[t.key] = { title: t.title, config: relative(ROOT, t.config), error: t.failed };
    }
  }
  for (const k of ["hello", "pbkdf2"]) if (byKey[k].failed) throw new Error(`floor Worker ${k} ${byKey[k].failed}`);

  // 4. Scenarios, interleaved: each round runs every scenario of every target,
  // alternating targets, starting one place later each round.
  const wanted = (s) => ONLY.length === 0 || ONLY.includes(s.id);
  const order = interleave(TARGETS.filter((t) => !t.failed).map((t) => t.scenarios.filter(wanted).map((s) => ({ t, s }))).filter((list) => list.length));
  for (const { t, s } of order) results.scenarios[s.id] = { target: t.key, label: s.label, floor: s.floor, rounds: [] };
  const rate = {}; // requests/s per scenario (last run), to size the next run (count bound)

  const prepare = async ({ t, s }) => {
    const r = results.scenarios[s.id];
    if (r.skipped) return null;
    try {
      if (t.run.reloads() !== t.seenReloads) {
        // Only an edit of the Worker's wrangler config can do this now.
        t.seenReloads = t.run.reloads();
        t.run.relocate();
        (results.targets[t.key].reloadedDuringRun ??= []).push(s.id);
        log(`  ${t.key}: wrangler reloaded the Worker (config file changed?); now on :${t.run.port}, pid ${t.run.runtimePid}`);
      }
      const spec = await s.prepare(t.run);
      if (spec.warning && !r.warning) {
        r.warning = spec.warning;
        log(`  ${s.id}: warning: ${spec.warning}`);
      }
      return spec;
    } catch (e) {
      r.skipped = e.message;
      log(`  ${s.id}: SKIPPED: ${e.message}`);
      return null;
    }
  };

  log(`warm-up (${WARMUP} s per scenario, not recorded)`);
  for (const item of order) {
    const spec = await prepare(item);
    if (!spec) continue;
    const w = await runLoad({ target: item.t.run, spec, connections: CONNECTIONS, amount: MAX_REQUESTS, maxSeconds: WARMUP });
    rate[item.s.id] = w.completed / w.durationS;
    log(`  ${item.s.id.padEnd(14)} ${rate[item.s.id].toFixed(0)} req/s, errors ${w.errors}`);
  }

  for (let round = 1; round <= ROUNDS; round++) {
    const shift = (round - 1) % order.length;
    const roundOrder = [...order.slice(shift), ...order.slice(0, shift)];
    log(`round ${round}/${ROUNDS}`);
    for (const item of roundOrder) {
      const spec = await prepare(item);
      if (!spec) continue;
      const id = item.s.id;
      const amount = Math.min(MAX_REQUESTS, Math.max(CONNECTIONS * 3, Math.round((rate[id] || 1) * SECONDS)));
      const m = await runLoad({ target: item.t.run, spec, connections: CONNECTIONS, amount, maxSeconds: SECONDS * 2.5 + 2 });
      results.scenarios[id].rounds.push({ round, ...m });
      const observed = m.completed / m.durationS;
      if (observed > 0) rate[id] = observed;
      log(
        `  ${id.padEnd(14)} ${m.rps.toFixed(0).padStart(6)} req/s  p50 ${fmt(m.p50)} ms  p99 ${fmt(m.p99)} ms  ` +
          `errors ${m.errors}  CPU ${fmt(m.cpuMsPerReq, 3)} ms/req  (${m.completed} req in ${m.durationS.toFixed(1)} s${m.stoppedByTime ? ", time bound hit" : ""}` +
          `${m.foreignCores > 0.1 ? `, other processes used ${m.foreignCores.toFixed(2)} cores` : ""})`,
      );
    }
  }

  // 5. Medians and ratios.
  for (const r of Object.values(results.scenarios)) {
    if (!r.rounds.length) continue;
    r.median = {
      rps: median(r.rounds.map((x) => x.rps)),
      p50: median(r.rounds.map((x) => x.p50)),
      p99: median(r.rounds.map((x) => x.p99)),
      cpuMsPerReq: median(r.rounds.map((x) => x.cpuMsPerReq)),
    };
    r.spread = {
      rps: { min: Math.min(...r.rounds.map((x) => x.rps)), max: Math.max(...r.rounds.map((x) => x.rps)) },
      cpuMsPerReq: { min: Math.min(...r.rounds.map((x) => x.cpuMsPerReq)), max: Math.max(...r.rounds.map((x) => x.cpuMsPerReq)) },
    };
    r.errors = r.rounds.reduce((a, x) => a + x.errors, 0);
    r.requests = r.rounds.reduce((a, x) => a + x.completed, 0);
  }
  const floorOf = { hello: results.scenarios["hello.get"], pbkdf2: results.scenarios["pbkdf2.derive"] };
  for (const r of Object.values(results.scenarios)) {
    const f = floorOf[r.floor];
    if (!r.median || !f?.median) continue;
    r.ratio = { rps: r.median.rps / f.median.rps, cpu: r.median.cpuMsPerReq / f.median.cpuMsPerReq };
  }
  const all = Object.values(results.scenarios).flatMap((r) => r.rounds);
  results.noise = {
    foreignCoresMedian: median(all.map((x) => x.foreignCores)),
    foreignCoresMax: Math.max(0, ...all.map((x) => x.foreignCores)),
    stealCoresMedian: median(all.map((x) => x.stealCores)),
    loadavgAtStart: results.noise?.loadavgAtStart,
  };
  try {
    results.latency = latencyModel(ROOT);
  } catch (e) {
    results.latency = { error: e.message };
    log(`latency model: ${e.message}`);
  }
  results.targetsCheck = checkTargets(results);
} catch (e) {
  results.fatal = e.stack ?? String(e);
  log(`FATAL: ${e.stack ?? e}`);
} finally {
  log("stopping the Workers");
  await stopAll();
}

results.wallSeconds = (Date.now() - t0) / 1000;
writeFileSync(join(OUT, "results.json"), JSON.stringify(results, null, 2));
const { renderResults } = await import("./lib/report.mjs");
const reportName = QUICK ? ".out/RESULTS.quick.md" : ONLY.length ? ".out/RESULTS.partial.md" : "RESULTS.md";
writeFileSync(join(BENCH, reportName), renderResults(results));
log(`wrote bench/${reportName} and bench/.out/results.json in ${(results.wallSeconds / 60).toFixed(1)} min`);
process.exit(results.fatal ? 1 : 0);

// ------------------------------------------------------------ helpers
function fmt(x, digits = 1) {
  return Number.isFinite(x) ? x.toFixed(digits) : "-";
}

/** [[a1,a2,a3],[b1],[c1,c2]] -> a1 b1 c1 a2 c2 a3 */
function interleave(lists) {
  const out = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}
