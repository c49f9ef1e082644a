// Property-based fuzz (fast-check) over every declared endpoint, requests generated from the
// declarations: no input gives a 5xx, and every 4xx body has the contract's shape (§1.6).
// FUZZ_RUNS (default 200) sets the runs per endpoint (a quarter under the other mounts); FUZZ_SEED replays a failure.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import { getConfig } from "../../src/config";
import { allEndpoints } from "../../src/features";
import type { Declaration } from "../../src/http/endpoint";
import { app, envWith, loggedIn } from "../helpers";
import { bodyFields, type FuzzRequest, requestFor, toRequest } from "./fuzz";

const RUNS = Number((env as Record<string, unknown>).FUZZ_RUNS ?? "") || 200;
const SEED = Number((env as Record<string, unknown>).FUZZ_SEED ?? "") || undefined;

/** Where and how each endpoint is fuzzed: the API, the API in cookie mode with CSRF, and seed 004's paths. */
const MOUNTS = [
  { name: "auth", prefix: "/auth", vars: {}, runs: RUNS, paths: (d: Declaration) => [d.path, ...(d.aliases ?? [])] },
  {
    name: "cookie+csrf",
    prefix: "/auth",
    vars: { JWT_AUTH_COOKIE: "access", JWT_AUTH_REFRESH_COOKIE: "refresh", JWT_AUTH_COOKIE_USE_CSRF: "true", JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: "true" },
    runs: Math.ceil(RUNS / 4),
    paths: (d: Declaration) => [d.path, ...(d.aliases ?? [])],
  },
  { name: "seed 004", prefix: "/accounts", vars: { LEGACY_ACCOUNTS_PREFIX: "/accounts/" }, runs: Math.ceil(RUNS / 4), paths: (d: Declaration) => d.legacyPaths ?? [] },
] as const;

let fuzzed = 0;
afterAll(() => console.log(`fuzz: ${fuzzed} requests over ${allEndpoints.length} declarations (${RUNS} runs per endpoint, a quarter of that again under cookie mode and seed 004's paths)`));

/** Paths (any mount) where some operation answers HTML: the link pages of §2.3.4, §2.3.7, §2.4.4, §2.4.5. */
const HTML_PATHS = allEndpoints
  .filter(({ declaration }) => Object.values(declaration.responses).some((r) => r.html))
  .flatMap(({ declaration }) => [declaration.path, ...(declaration.aliases ?? []), ...(declaration.legacyPaths ?? [])]);
const htmlPath = (declaration: Declaration) =>
  [declaration.path, ...(declaration.aliases ?? []), ...(declaration.legacyPaths ?? [])].some((path) => HTML_PATHS.includes(path));

/** Why a 4xx answer is not in the contract's shape, or null when it is. */
function shapeProblem(declaration: Declaration, request: Request, response: Response, text: string): string | null {
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("text/html")) {
    // A page's GET answers a bad link with the page itself (HTML), as the contract says.
    return request.method === "GET" && htmlPath(declaration) ? null : "HTML where the contract says JSON";
  }
  if (!type.startsWith("application/json")) return `content-type ${type}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "not an object";
  const record = body as Record<string, unknown>;
  if ("detail" in record) {
    if (typeof record.detail !== "string" || record.detail === "") return "detail is not a message";
    const extra = Object.keys(record).filter((k) => !["detail", "code", "messages"].includes(k));
    return extra.length ? `unexpected keys ${extra.join(",")}` : null;
  }
  const entries = Object.entries(record);
  if (entries.length === 0) return "empty error body";
  for (const [field, messages] of entries) {
    if (!Array.isArray(messages) || messages.length === 0 || !messages.every((m) => typeof m === "string" && m !== "")) {
      return `field ${field} is not a list of messages`;
    }
  }
  return null;
}

describe.each(allEndpoints.map(({ declaration }) => [`${declaration.method} ${declaration.path}`, declaration] as const))("fuzz %s", (_name, declaration) => {
  for (const mount of MOUNTS) {
    const paths = mount.paths(declaration);
    if (paths.length === 0) continue;
    it(`under ${mount.name}: no 5xx, every 4xx in the contract's shape`, { timeout: 600_000 }, async () => {
      const bindings = envWith(mount.vars);
      const config = getConfig(bindings);
      if (declaration.enabled && !declaration.enabled(config)) return;
      vi.spyOn(console, "log").mockImplementation(() => {});
      vi.spyOn(console, "warn").mockImplementation(() => {});
      const errors = vi.spyOn(console, "error").mockImplementation(() => {});
      // Logged in without cookie mode's CSRF demands: the token is good under every mount (same key, same D1).
      const me = await loggedIn("fuzz");
      const fields = bodyFields(declaration, config);
      const failures: string[] = [];
      await fc.assert(
        fc.asyncProperty(requestFor(declaration, paths, fields), async (generated: FuzzRequest) => {
          const request = toRequest(`https://api.example.test${mount.prefix}`, generated, me.access);
          const ctx = createExecutionContext();
          const response = await app.fetch(request, bindings, ctx);
          const text = await response.text();
          await waitOnExecutionContext(ctx);
          fuzzed++;
          const label = `${request.method} ${request.url} -> ${response.status} ${text.slice(0, 300)}`;
          if (response.status >= 500) failures.push(label);
          expect(response.status, label).toBeLessThan(500);
          if (response.status >= 400 && request.method !== "HEAD") {
            const problem = shapeProblem(declaration, request, response, text);
            expect(problem, label).toBeNull();
          }
        }),
        { numRuns: mount.runs, seed: SEED, endOnFailure: true },
      );
      // Nothing the fuzz sent may have reached the unexpected-error path.
      expect(errors.mock.calls.filter((args) => String(args[0]).startsWith("unhandled error"))).toEqual([]);
      expect(failures).toEqual([]);
    });
  }
});
