// The served OpenAPI documents are valid OpenAPI 3.1 under every setting that changes them.
//
// Validator: @hyperjump/json-schema's OpenAPI 3.1 dialect. It interprets schemas instead of compiling
// them to functions (workerd forbids `new Function`, which rules out ajv-based validators), so the
// documents are validated here, inside workerd, as the Worker really serves them: no second (Node)
// test project and no second way of building the document.
import { validate, type Validator } from "@hyperjump/json-schema/openapi-3-1";
import { describe, expect, it } from "vitest";
import { call } from "../../test/helpers";
import { ES256_A } from "../../test/keys";

/** The OpenAPI 3.1 schema that also checks every embedded Schema Object against the OAS dialect. */
const OAS_3_1 = "https://spec.openapis.org/oas/3.1/schema-base";
const validateAgainst = await validate(OAS_3_1);

type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; tags: Array<{ name: string }>; components: { securitySchemes: Record<string, unknown> } };
type Operation = { operationId: string; tags: string[]; security: Array<Record<string, string[]>>; parameters?: Array<{ name: string; in: string }>; responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> };

const COOKIE_MODE = { JWT_AUTH_COOKIE: "app-access", JWT_AUTH_REFRESH_COOKIE: "app-refresh" };

/** Each setting that changes the document, and where it is served then. */
const VARIANTS: Array<{ name: string; path: string; env?: Record<string, string> }> = [
  { name: "defaults", path: "/auth/openapi.json" },
  { name: "AUTH_PREFIX=/dj-rest-auth/", path: "/dj-rest-auth/openapi.json", env: { AUTH_PREFIX: "/dj-rest-auth/" } },
  { name: "cookie mode", path: "/auth/openapi.json", env: COOKIE_MODE },
  { name: "cookie mode with CSRF checks", path: "/auth/openapi.json", env: { ...COOKIE_MODE, JWT_AUTH_COOKIE_USE_CSRF: "true", JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: "true" } },
  { name: "JWT_RESPONSE_FIELD_STYLE=legacy", path: "/auth/openapi.json", env: { JWT_RESPONSE_FIELD_STYLE: "legacy" } },
  { name: "ACCOUNT_LOGOUT_ON_GET, no verification, reset frontend", path: "/auth/openapi.json", env: { ACCOUNT_LOGOUT_ON_GET: "true", ACCOUNT_EMAIL_VERIFICATION: "none", PASSWORD_RESET_REDIRECT: "https://app.example.test/reset" } },
  { name: "legacy mount (spectacular/)", path: "/accounts/api/spectacular/", env: { LEGACY_ACCOUNTS_PREFIX: "/accounts/api/" } },
  { name: "JWT_ALGORITHM=ES256 (with the JWKS)", path: "/auth/openapi.json", env: { JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: JSON.stringify([ES256_A]) } },
];

/** The validator's verdict, with the failing locations (empty when valid). */
async function validateOpenApi(document: Document): Promise<{ valid: boolean; errors: Array<{ instanceLocation: string; keyword: string }> }> {
  const output = validateAgainst(document as unknown as Parameters<Validator>[0], "BASIC");
  return { valid: output.valid, errors: output.valid ? [] : output.errors ?? [] };
}

async function fetchDocument(path: string, env?: Record<string, string>): Promise<Document> {
  const response = await call("GET", path, { env });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return response.body as Document;
}

/** Every operation of a document with its path and method. */
function operationsOf(document: Document) {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));
}

describe("openapi.json is valid OpenAPI 3.1", () => {
  it.each(VARIANTS)("$name", async ({ path, env }) => {
    const document = await fetchDocument(path, env);
    expect(document.openapi).toBe("3.1.0");
    const result = await validateOpenApi(document);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("the validator refuses a broken document (it is not vacuous)", async () => {
    const document = structuredClone(await fetchDocument("/auth/openapi.json"));
    const login = document.paths["/auth/login/"]!.post!;
    delete (login.responses["200"] as { description?: string }).description;
    // login/'s 200 is a TokenResponse or the MFA challenge: break the TokenResponse.
    (login.responses["200"]!.content!["application/json"]!.schema as { anyOf: Array<{ properties: Record<string, unknown> }> }).anyOf[0]!.properties.access = { type: "strnig" };
    const result = await validateOpenApi(document);
    expect(result.valid).toBe(false);
    const locations = result.errors.map((error) => error.instanceLocation);
    expect(locations).toContain("#/paths/~1auth~1login~1/post/responses/200");
    expect(locations).toContain("#/paths/~1auth~1login~1/post/responses/200/content/application~1json/schema/anyOf/0/properties/access/type");
  });

  // What the meta-schema cannot say: cross-references inside the document.
  it.each(VARIANTS)("$name: unique operationIds, declared path parameters, known tags and security schemes", async ({ path, env }) => {
    const document = await fetchDocument(path, env);
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(0);
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(document.tags.map((tag) => tag.name));
    const schemes = new Set(Object.keys(document.components.securitySchemes));
    for (const { path: template, operation } of operations) {
      const inTemplate = [...template.matchAll(/\{(\w+)\}/g)].map(([, name]) => name).sort();
      const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === "path").map((parameter) => parameter.name).sort();
      expect(declared, `${operation.operationId} path parameters`).toEqual(inTemplate);
      for (const tag of operation.tags) expect(tags, `${operation.operationId} tag`).toContain(tag);
      for (const requirement of operation.security) for (const scheme of Object.keys(requirement)) expect(schemes).toContain(scheme);
    }
  });
});

describe("the settings show in the document", () => {
  /** The TokenResponse fields of login/'s 200 (the first alternative; the second is the MFA challenge). */
  const loginToken = (document: Document, path: string) => {
    const schema = document.paths[path]!.post!.responses["200"]!.content!["application/json"]!.schema as { anyOf: Array<{ properties: Record<string, unknown> }> };
    expect(Object.keys(schema.anyOf[1]!.properties).sort()).toEqual(["ephemeral_token", "methods", "mfa_required"]);
    return Object.keys(schema.anyOf[0]!.properties);
  };

  it("AUTH_PREFIX moves every path", async () => {
    const document = await fetchDocument("/dj-rest-auth/openapi.json", { AUTH_PREFIX: "/dj-rest-auth/" });
    for (const path of Object.keys(document.paths)) expect(path).toMatch(/^\/dj-rest-auth\/(.+\/)?$/);
    expect(document.paths["/dj-rest-auth/login/"]).toBeDefined();
  });

  it("cookie mode adds the access cookie scheme; the CSRF answer shows only where a CSRF check runs", async () => {
    const cookieMode = await fetchDocument("/auth/openapi.json", COOKIE_MODE);
    expect(cookieMode.components.securitySchemes.accessCookie).toEqual(expect.objectContaining({ type: "apiKey", in: "cookie", name: "app-access" }));
    expect(cookieMode.paths["/auth/user/"]!.patch!.security).toContainEqual({ accessCookie: [] });
    // Without JWT_AUTH_COOKIE_USE_CSRF nothing checks CSRF on the access cookie.
    expect(cookieMode.paths["/auth/user/"]!.patch!.responses["403"]).toBeUndefined();
    const withCsrf = await fetchDocument("/auth/openapi.json", { ...COOKIE_MODE, JWT_AUTH_COOKIE_USE_CSRF: "true" });
    expect(withCsrf.paths["/auth/user/"]!.patch!.responses["403"]).toBeDefined();
    // ...and the Origin/Referer check on every header-less unsafe request (login CSRF); safe methods have none.
    expect(withCsrf.paths["/auth/login/"]!.post!.responses["403"]).toBeDefined();
    expect(withCsrf.paths["/auth/user/"]!.get!.responses["403"]).toBeUndefined();
    // ENFORCE_CSRF_ON_UNAUTHENTICATED checks every unsafe request without Authorization, JWT cookies or not.
    const enforced = await fetchDocument("/auth/openapi.json", { JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: "true" });
    expect(enforced.paths["/auth/login/"]!.post!.responses["403"]).toBeDefined();
    expect(enforced.paths["/auth/user/"]!.get!.responses["403"]).toBeUndefined();
    const plain = await fetchDocument("/auth/openapi.json");
    expect(plain.components.securitySchemes.accessCookie).toBeUndefined();
    expect(plain.paths["/auth/user/"]!.patch!.responses["403"]).toBeUndefined();
    expect(plain.paths["/auth/password/reset/set-new/"]!.post!.responses["403"]).toBeDefined();
  });

  it("a status both the chain and the declaration answer is one entry that accepts either body", async () => {
    const login = (await fetchDocument("/auth/openapi.json")).paths["/auth/login/"]!.post!.responses["400"]!;
    const schema = login.content!["application/json"]!.schema as { anyOf?: Array<{ properties?: Record<string, unknown> }> };
    expect(schema.anyOf).toHaveLength(2);
    expect(schema.anyOf!.some((alternative) => alternative.properties?.detail)).toBe(true);
    expect((login as { description: string }).description).toContain("Invalid credentials");
    expect((login as { description: string }).description).toContain("cannot be parsed");
  });

  it("JWT_RESPONSE_FIELD_STYLE=legacy renames the token fields", async () => {
    expect(loginToken(await fetchDocument("/auth/openapi.json"), "/auth/login/")).toContain("access_expiration");
    const legacy = loginToken(await fetchDocument("/auth/openapi.json", { JWT_RESPONSE_FIELD_STYLE: "legacy" }), "/auth/login/");
    expect(legacy).toEqual(expect.arrayContaining(["access_token", "refresh_token", "access_token_expiration", "refresh_token_expiration"]));
  });

  it("the legacy mount documents the seed-004 paths alone, with legacy token names", async () => {
    const document = await fetchDocument("/accounts/api/spectacular/", { LEGACY_ACCOUNTS_PREFIX: "/accounts/api/" });
    for (const path of Object.keys(document.paths)) expect(path).toMatch(/^\/accounts\/api\/.+\/$/);
    expect(document.paths["/accounts/api/get/acctivation/token/"]?.post).toBeDefined();
    expect(loginToken(document, "/accounts/api/login/")).toContain("access_token");
  });
});
