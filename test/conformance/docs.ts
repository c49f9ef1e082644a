// Conformance cases of the API documents: openapi.json (and the legacy mount's spectacular/), the docs/ page and its files.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import type { Bindings } from "../../src/config";
import { app, call, type CallResult, envWith } from "../helpers";
import { BAD_TOKEN, type CaseTable, LEGACY_PREFIX } from "./case";

/** A GET to a Worker whose env has no ASSETS binding (the test env has one, from wrangler.toml's [assets]). */
async function withoutAssets(path: string, env: Record<string, string>): Promise<CallResult> {
  const { ASSETS: _, ...bindings } = envWith(env);
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`https://api.example.test${path}`), bindings as Bindings, ctx);
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
}

export const docsCases: CaseTable = {
  apiIndex: {
    bad: [{ name: "a bad bearer token is ignored (public)", status: 200, send: (env) => call("GET", "/auth/", { token: BAD_TOKEN, env }) }],
    good: [
      { name: "plain GET", status: 200, send: (env) => call("GET", "/auth/", { env }) },
      { name: "without the trailing slash", status: 200, send: (env) => call("GET", "/auth", { env }) },
    ],
  },
  openApiDocument: {
    bad: [{ name: "a bad bearer token is ignored (public)", status: 200, send: (env) => call("GET", "/auth/openapi.json", { token: BAD_TOKEN, env }) }],
    good: [
      { name: "plain GET", status: 200, send: (env) => call("GET", "/auth/openapi.json", { env }) },
      { name: "spectacular/ on the legacy mount", status: 200, legacy: true, send: (env) => call("GET", `${LEGACY_PREFIX}spectacular/`, { env }) },
    ],
  },
  docsPage: {
    bad: [{ name: "no ASSETS binding", status: 404, send: (env) => withoutAssets("/auth/docs/", env) }],
    good: [{ name: "plain GET", status: 200, send: (env) => call("GET", "/auth/docs/", { env }) }],
  },
  docsAsset: {
    bad: [
      { name: "not one of the page's files", status: 404, send: (env) => call("GET", "/auth/docs/index.html", { env }) },
      { name: "no ASSETS binding", status: 404, send: (env) => withoutAssets("/auth/docs/swagger-ui.css", env) },
    ],
    good: [{ name: "the stylesheet", status: 200, send: (env) => call("GET", "/auth/docs/swagger-ui.css", { env }) }],
  },
};
