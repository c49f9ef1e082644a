// CPU of one login check per Django hasher, inside the Worker: wrangler dev on 127.0.0.1 with a throwaway
// local D1 holding users whose hashes Django made (test/fixtures/django-hashes.json), and the CPU time of
// its workerd processes (user + system, from /proc) around each failed login. A wrong password costs a
// full check and leaves the hash alone. Not part of npm test.
//   node bench/django-hash-cost.mjs [rounds]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuMs } from "./lib/proc.mjs";

const root = new URL("..", import.meta.url).pathname;
const rounds = Number(process.argv[2] ?? 3);
const port = 8795;
const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
const persist = mkdtempSync(join(tmpdir(), "django-hash-cost-"));
const env = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

const LABELS = [
  "pbkdf2_sha256 at our cap (100000)",
  "pbkdf2_sha256 Django 3.2 default (260000)",
  "pbkdf2_sha256 Django 5.2 default (1000000)",
  "pbkdf2_sha1 Django 3.2 default (260000)",
  "argon2id Django 3.2 default (m=102400,t=2,p=8)",
  "bcrypt_sha256 Django default (12 rounds)",
  "scrypt Django 4.0 default (N=16384,r=8,p=1)",
];
const vectors = JSON.parse(readFileSync(join(root, "test/fixtures/django-hashes.json"), "utf8")).vectors;
const users = LABELS.map((label, i) => ({ label, id: i + 1, ...vectors.find((v) => v.label === label) }));

function run(args) {
  const r = spawnSync(process.execPath, [wrangler, ...args], { cwd: root, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(" ")}: ${r.stdout}${r.stderr}`);
}
run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
// ASCII names: their identifier keys (src/core/username.ts) are their lower case.
const rows = users.map((u) => `(${u.id}, 'u${u.id}', 'u${u.id}', 'u${u.id}@example.com', 'u${u.id}@example.com', 1, '${u.hash}', 0, 0)`).join(", ");
run(["d1", "execute", "DB", "--local", "--persist-to", persist, "--command",
  `INSERT INTO users (id, username, username_key, email, email_key, email_verified, password, date_joined, updated_at) VALUES ${rows}`]);

const dev = spawn(process.execPath, [wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persist,
  "--var", "JWT_SIGNING_KEY:dev-insecure-0123456789abcdef0123456789abcdef", "--var", "THROTTLE_ENABLED:false"],
{ cwd: root, env, stdio: "ignore", detached: true });

/** Every process below `pid` (wrangler → its node → workerd). */
function descendants(pid) {
  const children = new Map();
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {}
  }
  const out = [];
  const walk = (p) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}
const workerdCpu = () => descendants(dev.pid).filter((p) => { try { return readFileSync(`/proc/${p}/comm`, "utf8").trim() === "workerd"; } catch { return false; } })
  .reduce((sum, p) => sum + cpuMs(p), 0);

const login = (username, password) => fetch(`http://127.0.0.1:${port}/auth/login/`, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }),
}).then((r) => r.status);

async function measure(username) {
  await login(username, "wrong password, warm-up");
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const before = workerdCpu();
    const status = await login(username, "wrong password");
    if (status !== 400) throw new Error(`expected 400, got ${status}`);
    samples.push(workerdCpu() - before);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

try {
  let ready = false;
  for (let i = 0; i < 120 && !ready; i++) {
    ready = await login("nobody", "x").then(() => true, () => new Promise((r) => setTimeout(() => r(false), 500)));
  }
  if (!ready) throw new Error("wrangler dev did not come up");
  console.log(`workerd CPU per failed login (median of ${rounds}; includes the request's D1 reads):`);
  console.log(`  unknown user (dummy PBKDF2 at 100000, WebCrypto): ${(await measure("nobody")).toFixed(0)} ms`);
  for (const u of users) console.log(`  ${u.label}: ${(await measure(`u${u.id}`)).toFixed(0)} ms`);
} finally {
  process.kill(-dev.pid, "SIGTERM");
  rmSync(persist, { recursive: true, force: true });
}
