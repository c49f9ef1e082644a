// Bundle size (`wrangler deploy --dry-run --outdir`) and startup CPU
// (`wrangler check startup`), both local, no Cloudflare account needed.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const WRANGLER_BIN = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");

export const quietEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
  CI: "1", // never prompt
};

/** Runs the bench's own wrangler; resolves { code, out } (stdout + stderr). */
export function wrangler(args, { cwd, timeoutMs = 180_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WRANGLER_BIN, ...args], { cwd, env: quietEnv, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The first error block of wrangler's output (or its end), without colours. */
const tail = (s, n = 600) => {
  const clean = s.replace(/\x1b\[[0-9;]*m/g, "").trim();
  const at = clean.search(/✘ \[ERROR\]|^Error:/m);
  return (at >= 0 ? clean.slice(at, at + n) : clean.slice(-n)).replace(/\n\s*\n/g, "\n");
};

export async function bundleSize({ config, outdir, cwd }) {
  rmSync(outdir, { recursive: true, force: true });
  const { code, out } = await wrangler(["deploy", "--dry-run", "-c", config, "--outdir", outdir], { cwd });
  const m = /Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/.exec(out);
  if (code !== 0 || !m) return { error: `wrangler deploy --dry-run exited ${code}: ${tail(out)}` };
  return { totalKiB: Number(m[1]), gzipKiB: Number(m[2]), line: m[0] };
}

/**
 * Startup CPU from a `wrangler check startup` profile: the V8 samples that
 * are not "(idle)" while workerd imports the Worker's main module (plus the
 * one trivial request the command makes), i.e. parse/compile + top-level
 * evaluation + GC. Each sample lasts until the next one (DevTools' rule).
 */
export function startupCpuFromProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const d = profile.timeDeltas[i + 1] ?? 0;
    const name = byId.get(profile.samples[i])?.callFrame?.functionName;
    if (name !== "(idle)") busyUs += d;
  }
  return busyUs / 1000;
}

export async function startupCpu({ config, dir, cwd, repeats = 5 }) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, "worker.bundle");
  const built = await wrangler(["deploy", "--dry-run", "-c", config, "--outfile", bundle], { cwd });
  if (built.code !== 0) return { error: `wrangler deploy --dry-run --outfile exited ${built.code}: ${tail(built.out)}` };
  const runs = [];
  for (let i = 0; i < repeats; i++) {
    const profile = join(dir, `startup-${i + 1}.cpuprofile`);
    const r = await wrangler(["check", "startup", "--worker", bundle, "--outfile", profile], { cwd });
    if (r.code !== 0) return { error: `wrangler check startup exited ${r.code}: ${tail(r.out)}` };
    runs.push(startupCpuFromProfile(JSON.parse(readFileSync(profile, "utf8"))));
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { ms: sorted[Math.floor(sorted.length / 2)], runs };
}
