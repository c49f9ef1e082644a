// The browser suite's harness (see README.md beside this file): the API run by wrangler dev on
// 127.0.0.1 with fresh local D1/KV, a second-origin page server, a mail sink, Chromium, screenshots.
// Every wait is bounded; every start returns something with stop(), which the tests call in after().
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { unstable_startWorker } from "wrangler";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const PAGES = join(ROOT, "test/browser/pages");
export const RESULTS = join(ROOT, "test-results/browser");
const LOOPBACK = "127.0.0.1";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// miniflare fetches a Request.cf sample from Cloudflare when a Worker starts: not in this suite
// (only 127.0.0.1 is contacted; requests get miniflare's placeholder cf object).
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";

// Interrupted runs (Ctrl-C, CI's timeout) leave nothing behind: a signal becomes an exit, and on
// exit the temp dirs go and a running wrangler CLI is killed. workerd and Chromium are ended by
// their own libraries' exit hooks (miniflare, Playwright).
const onExit = new Set();
process.on("exit", () => {
  for (const f of onExit) f();
});
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]]) process.once(signal, () => process.exit(code));

/** Rejects with a message naming `what` when `promise` takes longer than `ms`. */
export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP port free on 127.0.0.1 right now (wrangler needs the number before it starts). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Runs the repo's wrangler CLI non-interactively (no banner, no update check, no metrics), bounded. */
export function wranglerCli(args, { timeoutMs = 90_000 } = {}) {
  return new Promise((resolveRun) => {
    const child = spawn(join(ROOT, "node_modules/.bin/wrangler"), args, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true" },
    });
    const kill = () => child.kill("SIGKILL");
    onExit.add(kill);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      onExit.delete(kill);
      resolveRun({ code: signal ? `killed (${signal}, ${timeoutMs} ms)` : code, out });
    });
  });
}

/** wrangler's own rule for nodejs_compat (the CLI computes it, the programmatic API does not). */
function nodejsCompatModeHook() {
  const requireFromWrangler = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"));
  const { getNodeCompat } = requireFromWrangler("miniflare");
  return (config) => getNodeCompat(config.compatibility_date, config.compatibility_flags ?? []).mode;
}

const SECRETS = new Set(["JWT_SIGNING_KEY", "MAIL_API_KEY"]);

/**
 * Starts the Worker as `wrangler dev` does (its programmatic API), on 127.0.0.1:<free port>, with
 * local D1/KV in a fresh temp dir where the migrations were applied first (as `npm start` does).
 * No .dev.vars or .env is read: the settings are the suite's defaults below plus `vars`
 * (a value of null removes a default).
 * @param {{ vars?: Record<string, string|null>, logLevel?: string }} [o]
 * @returns {Promise<{ origin: string, base: string, persist: string, stop: () => Promise<void> }>}
 */
export async function startApi({ vars = {}, logLevel = process.env.BROWSER_SUITE_LOG_LEVEL ?? "warn" } = {}) {
  const persist = mkdtempSync(join(tmpdir(), "edge-rest-auth-browser-"));
  const removePersist = () => rmSync(persist, { recursive: true, force: true });
  onExit.add(removePersist);
  let worker;
  const stop = async () => {
    if (worker) await withTimeout(worker.dispose(), 20_000, "wrangler dispose").catch((e) => console.error(e.message));
    worker = undefined;
    removePersist();
    onExit.delete(removePersist);
  };
  try {
    const migrated = await wranglerCli(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
    if (migrated.code !== 0) throw new Error(`wrangler d1 migrations apply failed (${migrated.code}):\n${migrated.out.slice(-2000)}`);

    const port = await freePort();
    const origin = `http://${LOOPBACK}:${port}`;
    const settings = {
      ENVIRONMENT: "development",
      PUBLIC_BASE_URL: origin,
      JWT_SIGNING_KEY: `browser-suite-${randomBytes(24).toString("hex")}`,
      ...vars,
    };
    const bindings = {};
    for (const [name, value] of Object.entries(settings)) {
      if (value === null || value === undefined) continue;
      bindings[name] = { type: SECRETS.has(name) ? "secret_text" : "plain_text", value: String(value) };
    }
    worker = await unstable_startWorker({
      config: join(ROOT, "wrangler.toml"),
      // A file that does not exist: wrangler then reads neither .dev.vars nor .env.
      envFiles: [join(persist, "no-such.env")],
      bindings,
      sendMetrics: false,
      build: { nodejsCompatMode: nodejsCompatModeHook() },
      dev: {
        inspector: false,
        watch: false,
        liveReload: false,
        persist,
        remote: false,
        logLevel,
        enableContainers: false,
        server: { hostname: LOOPBACK, port },
      },
    });
    await withTimeout(worker.ready, 60_000, "wrangler dev start");
    const base = `${origin}/auth`;
    // Ready means listening; wait until the Worker answers (config errors show up here as 500s).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await fetch(`${base}/csrf/`, { signal: AbortSignal.timeout(5_000) }).catch((e) => e);
      if (r instanceof Response && r.status === 200) break;
      if (r instanceof Response && r.status === 500) throw new Error(`the Worker answers 500: ${await r.text()}`);
      if (Date.now() > deadline) throw new Error(`the Worker did not answer GET ${base}/csrf/ in 20 s (${r.status ?? r.message})`);
      await sleep(200);
    }
    return { origin, base, persist, stop };
  } catch (e) {
    await stop();
    // wrangler's own message is often generic ("An error occurred when starting the server"); the why is in the causes.
    const causes = [];
    for (let c = e.cause; c && causes.length < 5; c = c.cause) causes.push(c.message ?? String(c));
    throw causes.length ? new Error([e.message, ...causes].join(": "), { cause: e }) : e;
  }
}

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

/**
 * The second origin: test/browser/pages/ served statically on 127.0.0.1:<free port>, like a
 * single-page app's dev server. Pages take the API's base URL from the `api` query parameter.
 * @returns {Promise<{ origin: string, url: (page: string, params?: Record<string,string>) => string, stop: () => Promise<void> }>}
 */
export async function startPageServer() {
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = resolve(PAGES, `.${path === "/" ? "/index.html" : path}`);
    if (!file.startsWith(PAGES + sep) || !existsSync(file) || !TYPES[extname(file)]) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)], "cache-control": "no-store" }).end(readFileSync(file));
  });
  const origin = await listen(server);
  return {
    origin,
    url: (page, params = {}) => `${origin}/${page}${Object.keys(params).length ? `?${new URLSearchParams(params)}` : ""}`,
    stop: () => close(server),
  };
}

/**
 * A Resend-compatible mail API on 127.0.0.1 that keeps what it receives. Start the API with
 * `MAIL_API_URL: sink.url, MAIL_API_KEY: "sink"`. Mail is sent after the response, so wait for it.
 * @returns {Promise<{ url: string, messages: object[], waitFor: (match: (m: object) => boolean, ms?: number) => Promise<object>, stop: () => Promise<void> }>}
 */
export async function startMailSink() {
  const messages = [];
  const waiters = new Set();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      try {
        const message = JSON.parse(body);
        messages.push(message);
        for (const w of waiters) w();
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: `sink-${messages.length}` }));
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  const origin = await listen(server);
  const waitFor = (match, ms = 10_000) => {
    const found = () => messages.find(match);
    if (found()) return Promise.resolve(found());
    let wake;
    const arrived = new Promise((r) => (wake = () => found() && r(found())));
    waiters.add(wake);
    return withTimeout(arrived, ms, `a mail (${messages.length} received)`).finally(() => waiters.delete(wake));
  };
  return { url: `${origin}/emails`, messages, waitFor, stop: () => close(server) };
}

function listen(server) {
  return new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolveListen(`http://${LOOPBACK}:${server.address().port}`));
  });
}

function close(server) {
  server.closeAllConnections?.();
  return withTimeout(new Promise((r) => server.close(() => r())), 5_000, "closing a local server").catch(() => {});
}

/**
 * Debian's Chromium (never a downloaded one), headless. Host names other than 127.0.0.1 do not
 * resolve, except `loopbackNames` (e.g. "docs.example.test"), which resolve to 127.0.0.1: a page
 * on a name that is not "localhost"/"127.0.0.1", as in production. Playwright's defaults turn off
 * background networking and component updates.
 * @param {{ loopbackNames?: string[] }} [o]
 */
export async function launchBrowser({ loopbackNames = [] } = {}) {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new Error(`${executablePath} is missing: apt-get install -y chromium`);
  const rules = [...loopbackNames.map((name) => `MAP ${name} ${LOOPBACK}`), "MAP * ~NOTFOUND", `EXCLUDE ${LOOPBACK}`];
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: 30_000,
    args: ["--no-sandbox", `--host-resolver-rules=${rules.join(", ")}`],
  });
  browser.loopbackNames = new Set([LOOPBACK, ...loopbackNames]);
  return browser;
}

/**
 * A fresh cookie jar with bounded waits, that records every request the pages make so a test can
 * assert that only 127.0.0.1 was contacted (`offLoopback()`).
 */
export async function newContext(browser) {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const urls = [];
  context.on("request", (r) => urls.push(r.url()));
  const loopback = browser.loopbackNames ?? new Set([LOOPBACK]);
  context.offLoopback = () => urls.filter((u) => !/^(data|about|blob):/.test(u) && !loopback.has(new URL(u).hostname));
  return context;
}

/** Saves a full-page PNG as test-results/browser/<name>.png (the folder is git-ignored). */
export async function screenshot(page, name) {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name.replace(/[^\w.-]+/g, "-")}.png`);
  await page.screenshot({ path, fullPage: true, timeout: 10_000 });
  return path;
}
