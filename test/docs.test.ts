// The API documents (contract §2.8) in workerd: the docs/ page's markup and CSP, and OPENAPI_ENABLED=false.
// Chromium rendering it is test/browser/docs.test.mjs.
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

const NOT_FOUND = { detail: "Not found." };

describe("docs/ and openapi.json", () => {
  it("docs/ is Swagger UI from the Worker's own files, every script carrying the response's CSP nonce", async () => {
    for (const prefix of ["/auth/", "/dj-rest-auth/"]) {
      const page = await call("GET", `${prefix}docs/`, { env: { AUTH_PREFIX: prefix } });
      expect(page.status, prefix).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const csp = page.headers.get("content-security-policy")!;
      const nonce = /script-src 'nonce-([0-9a-f]{32})'/.exec(csp)?.[1];
      expect(nonce, csp).toBeTruthy();
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
      const scripts = [...page.text.matchAll(/<script([^>]*)>/g)].map(([, attributes]) => attributes);
      expect(scripts).toEqual([` nonce="${nonce}" src="${prefix}docs/swagger-ui-bundle.js"`, ` nonce="${nonce}"`]);
      expect(page.text).toContain(`<link rel="stylesheet" href="${prefix}docs/swagger-ui.css">`);
      expect(page.text).toContain(`url:"${prefix}openapi.json"`);
      // No request for /favicon.ico (outside the API's paths, a 404 in the browser's console).
      expect(page.text).toContain('<link rel="icon" href="data:,">');
      // A new nonce per response.
      const again = await call("GET", `${prefix}docs/`, { env: { AUTH_PREFIX: prefix } });
      expect(again.headers.get("content-security-policy")).not.toBe(csp);
    }
  });

  it("with OPENAPI_ENABLED=false, docs/, its files and openapi.json are 404", async () => {
    const off = { OPENAPI_ENABLED: "false" };
    for (const path of ["/auth/openapi.json", "/auth/docs/", "/auth/docs", "/auth/docs/swagger-ui-bundle.js", "/auth/docs/swagger-ui.css"]) {
      expect((await call("GET", path)).status, path).toBe(200);
      const response = await call("GET", path, { env: off });
      expect(response.status, path).toBe(404);
      expect(response.body, path).toEqual(NOT_FOUND);
    }
    // The rest of the API is there.
    expect((await call("GET", "/auth/csrf/", { env: off })).status).toBe(200);
  });
});
