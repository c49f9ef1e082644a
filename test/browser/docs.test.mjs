// The docs/ page (contract §2.8) in Chromium: Swagger UI served by the Worker from its static assets
// under AUTH_PREFIX + "docs/", under the page's strict CSP (script nonce, everything else 'self').
// One API (wrangler dev, default settings) for the file; each test opens its own context.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { launchBrowser, newContext, RESULTS, screenshot, startApi, withTimeout } from "./harness.mjs";

/** A host name that is neither "localhost" nor "127.0.0.1" (Swagger UI treats those specially); Chromium resolves it to 127.0.0.1. */
const PUBLIC_NAME = "docs.example.test";
const SWAGGER_UI = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

let api;
let browser;
/** [METHOD, path] of every operation in openapi.json, sorted. */
let operations;

before(async () => {
  api = await startApi();
  browser = await launchBrowser({ loopbackNames: [PUBLIC_NAME] });
  const response = await fetch(`${api.base}/openapi.json`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200);
  const spec = await response.json();
  operations = Object.entries(spec.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => [method.toUpperCase(), path]))
    .sort(compareOperations);
  // The document has the whole API (a handful would make "every operation is rendered" trivial).
  assert.ok(operations.length >= 30, `only ${operations.length} operations in openapi.json`);
}, { timeout: 180_000 });

after(async () => {
  await browser?.close().catch(() => {});
  await api?.stop();
}, { timeout: 60_000 });

function compareOperations([m1, p1], [m2, p2]) {
  return p1 === p2 ? m1.localeCompare(m2) : p1.localeCompare(p2);
}

/**
 * Opens docs/ at `origin` in a fresh context, recording console errors, page errors and CSP
 * violations (reported from inside the page, before any of its scripts run).
 */
async function openDocs(t, origin) {
  const context = await newContext(browser);
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push({ kind: "console", text: message.text(), url: message.location().url });
  });
  page.on("pageerror", (error) => problems.push({ kind: "pageerror", text: error.message }));
  await page.exposeFunction("__cspViolation", (violation) => problems.push({ kind: "csp", ...violation }));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__cspViolation({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample }),
    );
  });
  const response = await page.goto(`${origin}/auth/docs/`);
  assert.equal(response.status(), 200);
  const csp = response.headers()["content-security-policy"];
  assert.match(csp, /script-src 'nonce-[0-9a-f]{32}'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  // Swagger UI has rendered once the operations are there.
  await page.locator("#swagger-ui .opblock").first().waitFor({ timeout: 15_000 });
  return { context, page, problems };
}

/** The [METHOD, path] of every rendered operation block. */
function renderedOperations(page) {
  return page.locator("#swagger-ui .opblock").evaluateAll((blocks) =>
    blocks.map((block) => [
      block.querySelector(".opblock-summary-method")?.textContent.trim(),
      block.querySelector(".opblock-summary-path")?.getAttribute("data-path"),
    ]),
  );
}

test("docs/ renders every operation of openapi.json, with no console error or CSP violation", { timeout: 60_000 }, async (t) => {
  const { context, page, problems } = await openDocs(t, api.origin);
  try {
    // All tags render together once the document is loaded; wait for the full count, then compare.
    await page
      .waitForFunction((n) => document.querySelectorAll("#swagger-ui .opblock").length >= n, operations.length, { timeout: 10_000 })
      .catch(() => {});
    const rendered = (await renderedOperations(page)).sort(compareOperations);
    assert.deepEqual(rendered, operations);
    assert.equal(await page.locator(".info .title").first().innerText().then((s) => s.split("\n")[0].trim()), "edge-rest-auth");
    // The page's files came from the Worker only.
    assert.deepEqual(context.offLoopback(), []);
    assert.deepEqual(problems, []);
    // The listener does hear violations: a script without the nonce is refused and reported.
    const refused = await withTimeout(
      page.evaluate(
        () =>
          new Promise((resolve) => {
            document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective), { once: true });
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
          }),
      ),
      5_000,
      "a CSP violation event",
    );
    assert.equal(refused, "script-src-elem");
    assert.equal(await page.evaluate(() => window.injected), undefined);
    // Both ways of hearing it: the page's event and Chromium's console error.
    const heard = problems.map((p) => (p.kind === "csp" ? `csp ${p.directive}` : `${p.kind} ${/Content Security Policy/.test(p.text)}`));
    assert.deepEqual(heard.sort(), ["console true", "csp script-src-elem"]);
  } finally {
    await screenshot(page, "docs-page");
  }
});

test("Try it out -> Execute calls the API from the page (GET csrf/, POST login/)", { timeout: 60_000 }, async (t) => {
  const { page, problems } = await openDocs(t, api.origin);
  const sent = [];
  page.on("request", (request) => {
    if (request.url().startsWith(`${api.base}/`) && !request.url().startsWith(`${api.base}/docs/`)) sent.push(`${request.method()} ${request.url()}`);
  });
  try {
    // GET csrf/: the answer, its body and the header the API sets are shown on the page.
    const csrf = page.locator("#operations-session-csrfCookie");
    await csrf.locator(".opblock-summary").click();
    await csrf.getByRole("button", { name: "Try it out" }).click();
    const csrfAnswer = page.waitForResponse((r) => r.url() === `${api.base}/csrf/`);
    await csrf.getByRole("button", { name: "Execute" }).click();
    const csrfResponse = await csrfAnswer;
    assert.equal(csrfResponse.status(), 200);
    const csrfToken = csrfResponse.headers()["x-csrftoken"];
    assert.match(csrfToken, /^\w{32}$/);
    const csrfLive = csrf.locator(".live-responses-table tbody tr.response").first();
    await csrfLive.waitFor();
    assert.equal((await csrfLive.locator(".response-col_status").innerText()).trim(), "200");
    assert.match(await csrfLive.locator(".response-col_description").innerText(), /"detail": "CSRF cookie set\."/);
    // The page shows the very token this request got (not an example).
    assert.match(await csrfLive.locator(".response-col_description").innerText(), new RegExp(`x-csrftoken: ${csrfToken}`));
    await csrf.screenshot({ path: join(RESULTS, "docs-try-csrf.png") });

    // POST login/ with Swagger's example body: a JSON request body passes the page's CSP, the API answers 400.
    const login = page.locator("#operations-session-login");
    await login.locator(".opblock-summary").click();
    await login.getByRole("button", { name: "Try it out" }).click();
    const loginRequest = page.waitForRequest((r) => r.url() === `${api.base}/login/` && r.method() === "POST");
    const loginAnswer = page.waitForResponse((r) => r.url() === `${api.base}/login/`);
    await login.getByRole("button", { name: "Execute" }).click();
    const body = JSON.parse((await loginRequest).postData());
    assert.equal(typeof body.password, "string");
    assert.equal((await loginAnswer).status(), 400);
    const loginLive = login.locator(".live-responses-table tbody tr.response").first();
    await loginLive.waitFor();
    assert.equal((await loginLive.locator(".response-col_status").innerText()).trim(), "400");
    assert.match(await loginLive.locator(".response-col_description").innerText(), /Unable to log in with provided credentials\./);
    await login.screenshot({ path: join(RESULTS, "docs-try-login.png") });

    assert.deepEqual(sent, [`GET ${api.base}/csrf/`, `POST ${api.base}/login/`]);
    // Chromium logs every 4xx fetch as a console error: the login answer's is the only one allowed.
    assert.deepEqual(
      problems.filter((p) => !(p.kind === "console" && p.url === `${api.base}/login/` && /status of 400/.test(p.text))),
      [],
    );
  } finally {
    await screenshot(page, "docs-try-it-out");
  }
});

test("docs/ under a host name like production's renders and contacts nothing else", { timeout: 60_000 }, async (t) => {
  // Swagger UI behaves differently for spec URLs on localhost/127.0.0.1: its StandaloneLayout then leaves out
  // validator.swagger.io's badge (an <img> of that host). The page uses BaseLayout, which never has it; this keeps it so.
  const origin = `http://${PUBLIC_NAME}:${new URL(api.origin).port}`;
  const { context, page, problems } = await openDocs(t, origin);
  try {
    await page.waitForFunction((n) => document.querySelectorAll("#swagger-ui .opblock").length >= n, operations.length, { timeout: 10_000 });
    assert.equal(await page.locator("img[alt='Online validator badge']").count(), 0);
    assert.deepEqual(context.offLoopback(), []);
    assert.deepEqual(problems, []);
  } finally {
    await screenshot(page, "docs-public-host");
  }
});

test("the page's files are served by the Worker under docs/, nothing else", { timeout: 30_000 }, async () => {
  const get = (path) => fetch(`${api.origin}${path}`, { signal: AbortSignal.timeout(10_000) });
  const bundle = await get("/auth/docs/swagger-ui-bundle.js");
  assert.equal(bundle.status, 200);
  assert.match(bundle.headers.get("content-type"), /^(text|application)\/javascript\b/);
  // The Worker's own headers: it answered, not the static-asset server alone.
  assert.equal(bundle.headers.get("cache-control"), "public, max-age=86400");
  assert.equal(bundle.headers.get("x-content-type-options"), "nosniff");
  assert.match(bundle.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  assert.equal(await bundle.text(), readFileSync(join(SWAGGER_UI, "swagger-ui-bundle.js"), "utf8"));
  const css = await get("/auth/docs/swagger-ui.css");
  assert.equal(css.status, 200);
  assert.match(css.headers.get("content-type"), /^text\/css\b/);
  await css.arrayBuffer();
  for (const path of ["/auth/docs/other.js", "/auth/docs/index.html", "/docs/swagger-ui-bundle.js", "/auth/docs/..%2Fdocs%2Fswagger-ui-bundle.js"]) {
    const response = await get(path);
    assert.equal(response.status, 404, path);
    assert.deepEqual(await response.json(), { detail: "Not found." }, path);
  }
});
