// The README's deploy recipe, as far as it runs without an account: [env.production] of wrangler.toml
// builds with its own bindings, and the smoke test (scripts/smoke.mjs) passes against the Worker run
// with production settings, and fails against something that is not the API.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ROOT, startApi, startMailSink, startPageServer, withTimeout, wranglerCli } from "./harness.mjs";

let api;
let mail;
let pages;

before(async () => {
  mail = await startMailSink();
  pages = await startPageServer();
  api = await startApi({
    vars: {
      // What [env.production] sets, with secrets as `wrangler secret put` would give them.
      ENVIRONMENT: "production",
      JWT_SIGNING_KEY: randomBytes(32).toString("hex"),
      MAIL_API_KEY: "sink",
      MAIL_API_URL: mail.url,
    },
  });
}, { timeout: 180_000 });

after(async () => {
  await api?.stop();
  await pages?.stop();
  await mail?.stop();
}, { timeout: 60_000 });

/** `npm run smoke -- <origin>`, bounded. */
function smoke(origin) {
  return withTimeout(
    new Promise((resolveRun) => {
      const child = spawn(process.execPath, [join(ROOT, "scripts/smoke.mjs"), origin], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (code) => resolveRun({ code, out }));
    }),
    60_000,
    "smoke test",
  );
}

test("[env.production] builds with its own D1, KV, assets and ENVIRONMENT=production", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "edge-rest-auth-deploy-"));
  try {
    const built = await wranglerCli(["deploy", "--dry-run", "--env", "production", "--outdir", outdir]);
    assert.equal(built.code, 0, built.out);
    assert.match(built.out, /env\.DB \(edge-rest-auth\)\s+D1 Database/);
    assert.match(built.out, /env\.TOKENS_KV \(\w+\)\s+KV Namespace/);
    assert.match(built.out, /env\.ASSETS\s+Assets/);
    assert.match(built.out, /env\.ENVIRONMENT \("production"\)/);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

test("the smoke test passes against the Worker with production settings", async () => {
  const run = await smoke(api.origin);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /ok {2}a garbage refresh token gets 401 token_not_valid/);
  assert.match(run.out, /smoke test passed/);
});

test("the smoke test fails against something that is not the API", async () => {
  const run = await smoke(pages.origin);
  assert.equal(run.code, 1, run.out);
  assert.match(run.out, /^FAILED: GET index/m);
});
