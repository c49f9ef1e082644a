// `npm start`: a local API with no account and no manual step.
// Writes .dev.vars with random development secrets (once), applies the D1 migrations to the
// local database, then runs `wrangler dev` on 127.0.0.1:8787. Mail goes to the console.
import { spawnSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const wrangler = (args, options = {}) => spawnSync("npx", ["wrangler", ...args], { stdio: "inherit", ...options });

const devVars = ".dev.vars";
// The signing key and the TOTP secrets' encryption key. The "dev-insecure-" prefix makes the Worker
// refuse these secrets if ENVIRONMENT=production.
for (const name of ["JWT_SIGNING_KEY", "MFA_ENCRYPTION_KEYS"]) {
  const existing = existsSync(devVars) ? readFileSync(devVars, "utf8") : "";
  if (new RegExp(`^${name}=`, "m").test(existing)) continue;
  const line = `${name}=dev-insecure-${randomBytes(32).toString("hex")}\n`;
  writeFileSync(devVars, existing + (existing && !existing.endsWith("\n") ? "\n" : "") + line);
  console.log(`Wrote a random development ${name} to .dev.vars`);
}

// The docs/ page's Swagger UI files (static assets, not in git).
const assets = spawnSync("node", ["scripts/docs-assets.mjs"], { stdio: "inherit" });
if (assets.status !== 0) process.exit(assets.status ?? 1);

const migrated = wrangler(["d1", "migrations", "apply", "DB", "--local"], { env: { ...process.env, CI: "true" } });
if (migrated.status !== 0) process.exit(migrated.status ?? 1);

// `npm start -- --port 8788` moves the server; mailed links follow it unless .dev.vars sets PUBLIC_BASE_URL.
const args = process.argv.slice(2);
const portAt = args.findIndex((arg) => arg === "--port" || arg.startsWith("--port="));
const port = portAt < 0 ? "8787" : args[portAt].includes("=") ? args[portAt].split("=")[1] : args[portAt + 1];
if (portAt >= 0) args.splice(portAt, args[portAt].includes("=") ? 1 : 2);
const linkBase = /^PUBLIC_BASE_URL=/m.test(readFileSync(devVars, "utf8")) ? [] : ["--var", `PUBLIC_BASE_URL:http://127.0.0.1:${port}`];
const dev = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", port, ...linkBase, ...args], {
  stdio: "inherit",
  // miniflare would fetch a sample Request.cf object from Cloudflare; locally nothing leaves 127.0.0.1.
  env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
