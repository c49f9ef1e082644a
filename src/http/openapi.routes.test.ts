// The router and the OpenAPI documents agree: every registered route is documented with its method
// (aliases included), and every documented path is really served with exactly the documented methods.
import { describe, expect, it } from "vitest";
import { app, call, envWith } from "../../test/helpers";
import { EDDSA_A } from "../../test/keys";
import { SOCIAL_ENV } from "../features/social/social.fixtures";

type Document = { paths: Record<string, Record<string, unknown>> };

/** Settings that add, move or remove routes; each is walked whole. */
const SETUPS: Array<{ name: string; env: Record<string, string>; documents: string[] }> = [
  { name: "defaults", env: {}, documents: ["/auth/openapi.json"] },
  {
    name: "dj-rest-auth prefix, legacy mount, logout with GET",
    env: { AUTH_PREFIX: "/dj-rest-auth/", LEGACY_ACCOUNTS_PREFIX: "/accounts/api/", ACCOUNT_LOGOUT_ON_GET: "true" },
    documents: ["/dj-rest-auth/openapi.json", "/accounts/api/spectacular/"],
  },
  {
    name: "no verification, reset and verification frontends",
    env: {
      ACCOUNT_EMAIL_VERIFICATION: "none",
      PASSWORD_RESET_REDIRECT: "https://app.example.test/reset",
      EMAIL_VERIFIED_REDIRECT: "https://app.example.test/verified",
    },
    documents: ["/auth/openapi.json"],
  },
  { name: "EdDSA tokens (the JWKS is served)", env: { JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEYS: JSON.stringify([EDDSA_A]) }, documents: ["/auth/openapi.json"] },
  { name: "social providers (a path parameter restricted to their names)", env: SOCIAL_ENV, documents: ["/auth/openapi.json"] },
];

/** Hono `/auth/sessions/:id` (or `/auth/:provider{(?:github|google)}`) -> the document's `/auth/sessions/{id}/`. */
const documentPath = (honoPath: string) => `${honoPath.replace(/:(\w+)(\{\(\?:[^)]*\)\})?/g, "{$1}")}/`;

/** "METHOD /path/" of every route a handler answers: not the 405 catch-alls (ALL), OPTIONS or middleware (ALL). */
function registeredOperations(env: Record<string, string>): string[] {
  // The legacy mount's spectacular/ is served but, like drf-spectacular's schema view, not listed in itself.
  const routes = app
    .routes(envWith(env))
    .filter(({ method, path }) => method !== "ALL" && method !== "OPTIONS" && !path.endsWith("/spectacular"));
  return [...new Set(routes.map(({ method, path }) => `${method} ${documentPath(path)}`))].sort();
}

type Parameter = { name: string; in: string; schema: { enum?: string[] } };

async function documentedOperations(paths: string[], env: Record<string, string>): Promise<Array<{ path: string; methods: string[]; values: Record<string, string[]> }>> {
  const all: Array<{ path: string; methods: string[]; values: Record<string, string[]> }> = [];
  for (const path of paths) {
    const response = await call("GET", path, { env });
    expect(response.status, path).toBe(200);
    for (const [documented, item] of Object.entries((response.body as Document).paths)) {
      // Path parameters limited to some values (the social providers) list them as an enum.
      const parameters = Object.values(item).flatMap((operation) => ((operation as { parameters?: Parameter[] }).parameters ?? []).filter((p) => p.in === "path"));
      const values = Object.fromEntries(parameters.filter((p) => p.schema.enum).map((p) => [p.name, p.schema.enum!]));
      all.push({ path: documented, methods: Object.keys(item).map((method) => method.toUpperCase()), values });
    }
  }
  return all;
}

describe.each(SETUPS)("router vs openapi.json: $name", ({ env, documents }) => {
  it("documents every registered route with its method, and nothing else", async () => {
    const registered = registeredOperations(env);
    const documented = (await documentedOperations(documents, env)).flatMap(({ path, methods }) => methods.map((method) => `${method} ${path}`));
    expect(registered.length).toBeGreaterThan(30);
    expect(documented.sort()).toEqual(registered);
  });

  it("serves every documented path, with and without the trailing slash, with exactly the documented methods", async () => {
    for (const { path, methods, values } of await documentedOperations(documents, env)) {
      // Any value fills a parameter (the router matches the shape, the handler judges the value), except one limited to listed values.
      const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => values[name]?.[0] ?? "x1");
      const allow = [...methods, ...(methods.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort();
      for (const url of [concrete, concrete.slice(0, -1)]) {
        const options = await call("OPTIONS", url, { env });
        expect(options.status, `OPTIONS ${url}`).toBe(204);
        expect(options.headers.get("allow")?.split(", ").sort(), `Allow of ${url}`).toEqual(allow);
      }
    }
  });
});

it("the walk sees routes the settings switch on and off", () => {
  expect(registeredOperations({})).not.toContain("GET /auth/logout/");
  expect(registeredOperations({ ACCOUNT_LOGOUT_ON_GET: "true" })).toContain("GET /auth/logout/");
  expect(registeredOperations({ LEGACY_ACCOUNTS_PREFIX: "/accounts/api/" })).toContain("POST /accounts/api/get/accttivation/token/");
  expect(registeredOperations({ OPENAPI_ENABLED: "false" })).not.toContain("GET /auth/openapi.json/");
  expect(registeredOperations({})).not.toContain("POST /auth/{provider}/");
  expect(registeredOperations(SOCIAL_ENV)).toContain("POST /auth/{provider}/");
});

it("a restricted parameter matches only its values: every listed one is served, other words are 404", async () => {
  for (const provider of ["github", "google", "keycloak", "twitter", "x"]) {
    expect((await call("OPTIONS", `/auth/${provider}/`, { env: SOCIAL_ENV })).status, provider).toBe(204);
  }
  for (const word of ["facebook", "x1", "githubx", "keycloak-"]) {
    expect((await call("OPTIONS", `/auth/${word}/`, { env: SOCIAL_ENV })).status, word).toBe(404);
  }
});
