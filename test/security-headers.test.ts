// Security headers on every class of response (issue 8): JSON answers and errors of every kind, the
// HTML pages, the API reference and its files, redirects, OPTIONS/HEAD, and a configuration error.
import { describe, expect, it, vi } from "vitest";
import { call, type CallResult, loggedIn } from "./helpers";

/** What every response carries: no framing, no sniffing, no Referer leaving with a link, a CSP. */
function expectBaseline(response: CallResult, label: string) {
  const h = response.headers;
  expect(h.get("x-content-type-options"), label).toBe("nosniff");
  expect(h.get("x-frame-options"), label).toBe("DENY");
  expect(h.get("referrer-policy"), label).toBe("no-referrer");
  expect(h.get("content-security-policy"), label).toContain("frame-ancestors 'none'");
  expect(h.get("content-security-policy"), label).toContain("default-src 'none'");
  expect(h.get("content-security-policy"), label).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
}

/** Answers that must never be stored: no-store, and the strict CSP of a document that renders nothing. */
function expectApiAnswer(response: CallResult, label: string) {
  expectBaseline(response, label);
  expect(response.headers.get("cache-control"), label).toBe("no-store");
  expect(response.headers.get("content-security-policy"), label).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
}

describe("security headers", () => {
  it("on JSON answers: 200, 201, 400, 401, 403, 404, 405, 413, 415, OPTIONS and HEAD", async () => {
    const me = await loggedIn("headers");
    const cases: Array<[string, Promise<CallResult>, number]> = [
      ["GET user/", call("GET", "/auth/user/", { token: me.access }), 200],
      ["GET csrf/", call("GET", "/auth/csrf/"), 200],
      ["HEAD csrf/", call("HEAD", "/auth/csrf/"), 200],
      ["OPTIONS login/", call("OPTIONS", "/auth/login/"), 204],
      ["POST login/ invalid", call("POST", "/auth/login/", { body: { username: me.username, password: "wrong" } }), 400],
      ["GET user/ without token", call("GET", "/auth/user/"), 401],
      ["POST registration/ closed", call("POST", "/auth/registration/", { body: {}, env: { REGISTRATION_OPEN: "false" } }), 403],
      ["unknown path", call("GET", "/auth/nowhere/"), 404],
      ["outside the prefix", call("GET", "/elsewhere"), 404],
      ["DELETE login/", call("DELETE", "/auth/login/"), 405],
      ["oversized body", call("POST", "/auth/login/", { rawBody: "x".repeat(70_000), headers: { "content-type": "application/json" } }), 413],
      ["text/plain body", call("POST", "/auth/login/", { rawBody: "hi", headers: { "content-type": "text/plain" } }), 415],
      ["openapi.json", call("GET", "/auth/openapi.json"), 200],
    ];
    for (const [label, pending, status] of cases) {
      const response = await pending;
      expect(response.status, label).toBe(status);
      expectApiAnswer(response, label);
    }
  });

  it("on 500s: a setting only checked when used, and a configuration that does not parse", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await loggedIn("headers500");
    const missingKey = await call("POST", "/auth/mfa/totp/setup/", { token: me.access, env: { MFA_ENCRYPTION_KEYS: "" } });
    expect(missingKey.status).toBe(500);
    expectApiAnswer(missingKey, "MFA without keys");
    const unparsable = await call("GET", "/auth/user/", { env: { ACCESS_TOKEN_LIFETIME: "five minutes" } });
    expect(unparsable.status).toBe(500);
    expectApiAnswer(unparsable, "bad configuration");
  });

  it("on HTML pages: their own CSP with a per-response nonce, never cached", async () => {
    for (const path of ["/auth/registration/verified/", "/auth/password/reset/default/", "/auth/registration/verification/bad-key/"]) {
      const page = await call("GET", path);
      expect(page.headers.get("content-type"), path).toBe("text/html; charset=utf-8");
      expectBaseline(page, path);
      expect(page.headers.get("cache-control"), path).toBe("no-store");
      expect(page.headers.get("content-security-policy"), path).toMatch(/script-src 'nonce-[0-9a-f]{32}'; style-src 'nonce-[0-9a-f]{32}'/);
      expect(page.headers.get("content-security-policy"), path).toContain("form-action 'self'");
    }
  });

  it("on the API reference (its own CSP: Swagger UI's files from this Worker) and its files (cacheable)", async () => {
    const docs = await call("GET", "/auth/docs/");
    expect(docs.status).toBe(200);
    expectBaseline(docs, "docs/");
    expect(docs.headers.get("content-security-policy")).toMatch(/script-src 'nonce-[0-9a-f]{32}'; style-src 'self'; img-src 'self' data:; connect-src 'self'/);
    for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
      const asset = await call("GET", `/auth/docs/${file}`);
      expect(asset.status, file).toBe(200);
      expectBaseline(asset, file);
      expect(asset.headers.get("cache-control"), file).toBe("public, max-age=86400");
    }
  });

  it("on redirects: the mailed links' 302s", async () => {
    const link = await call("GET", "/auth/password/reset/confirm/MQ/zzz-0/", { env: { PASSWORD_RESET_REDIRECT: "https://app.example.com/reset" } });
    expect(link.status).toBe(302);
    expectApiAnswer(link, "reset link redirect");
  });

  it("HSTS and COOP in production only (https there; over http browsers ignore them)", async () => {
    const development = await call("GET", "/auth/csrf/");
    expect(development.headers.get("strict-transport-security")).toBeNull();
    expect(development.headers.get("cross-origin-opener-policy")).toBeNull();
    const production = await call("GET", "/auth/csrf/", {
      env: { ENVIRONMENT: "production", THROTTLE_ENABLED: "true", JWT_SIGNING_KEY: "n8Q2xV7pLk4RzW1tYb6HcM0sJd9FgA3eUo5iKqTyNvE=" },
    });
    expect(production.status).toBe(200);
    expect(production.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(production.headers.get("cross-origin-opener-policy")).toBe("same-origin");
  });
});
