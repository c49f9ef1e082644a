// Conformance: every declared operation, sent bad requests (and good ones where cheap) over HTTP,
// answers only statuses its declaration documents, with bodies its response schemas accept: the
// zod/mini schema and the JSON Schema the served openapi.json shows for it. The cases live in
// test/conformance/, one table per feature, keyed by operationId.
import { registerSchema, validate, type Validator } from "@hyperjump/json-schema/openapi-3-1";
import { describe, expect, it } from "vitest";
import { CASES, type Case, LEGACY_PREFIX } from "../../test/conformance";
import { call, envWith } from "../../test/helpers";
import { type Config, getConfig } from "../config";
import { allEndpoints } from "../features";
import type { Declaration } from "./endpoint";
import { allResponses } from "./openapi";

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema: object }> }> };
type Json = Parameters<Validator>[0];
type Document = { paths: Record<string, Record<string, Operation>> };

const declarations = new Map(allEndpoints.map(({ declaration }) => [declaration.operationId, declaration]));

/** The env of a case: its settings, plus the legacy mount when it is sent there. */
const envOf = (testCase: Case) => ({ ...testCase.env, ...(testCase.legacy ? { LEGACY_ACCOUNTS_PREFIX: LEGACY_PREFIX } : {}) });

/** The config the answer was made under (app.ts gives the legacy mount legacy token names). */
function configOf(testCase: Case): Config {
  const config = getConfig(envWith(envOf(testCase)));
  return testCase.legacy ? { ...config, jwtResponseFieldStyle: "legacy" } : config;
}

const documents = new Map<string, Document>();

/** The document the Worker serves for the case's settings and mount. */
async function servedDocument(testCase: Case): Promise<Document> {
  const env = envOf(testCase);
  const path = testCase.legacy ? `${LEGACY_PREFIX}spectacular/` : `${getConfig(envWith(env)).authPrefix}openapi.json`;
  const key = `${JSON.stringify(env)} ${path}`;
  let document = documents.get(key);
  if (!document) {
    const response = await call("GET", path, { env });
    expect(response.status, path).toBe(200);
    document = response.body as Document;
    documents.set(key, document);
  }
  return document;
}

let schemaCount = 0;

/** Validation errors of `body` against the JSON Schema the served document gives `operationId`'s `status`. */
async function documentErrors(testCase: Case, operationId: string, status: number, body: unknown): Promise<unknown[]> {
  const find = async (served: Case) =>
    Object.values((await servedDocument(served)).paths)
      .flatMap((item) => Object.values(item))
      .find((candidate) => candidate.operationId === operationId);
  // spectacular/ does not list itself (as drf-spectacular's view): its answer is described in openapi.json.
  const operation = (await find(testCase)) ?? (testCase.legacy ? await find({ ...testCase, legacy: undefined, env: envOf(testCase) }) : undefined);
  const schema = operation?.responses[String(status)]?.content?.["application/json"]?.schema;
  expect(schema, `${operationId} ${status} in openapi.json`).toBeDefined();
  const uri = `https://conformance.test/schema/${++schemaCount}`;
  registerSchema(schema as Parameters<typeof registerSchema>[0], uri, "https://spec.openapis.org/oas/3.1/dialect/base");
  const output = await validate(uri, body as Json, "BASIC");
  return output.valid ? [] : (output.errors ?? []);
}

/** Sends the case and checks its answer against the declaration. */
async function conforms(declaration: Declaration, testCase: Case): Promise<void> {
  const config = configOf(testCase);
  expect(declaration.enabled?.(config) ?? true, "the operation is served under the case's settings").toBe(true);
  const response = await testCase.send(envOf(testCase));
  const documented = allResponses(config, declaration);
  expect(Object.keys(documented), `undocumented ${response.status}: ${response.text.slice(0, 300)}`).toContain(String(response.status));
  expect(response.status, response.text.slice(0, 300)).toBe(testCase.status);
  const doc = documented[response.status]!;
  if (doc.json) {
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const parsed = doc.json(config).safeParse(response.body);
    expect(parsed.success ? [] : parsed.error.issues, response.text.slice(0, 300)).toEqual([]);
    expect(await documentErrors(testCase, declaration.operationId, response.status, response.body), response.text.slice(0, 300)).toEqual([]);
  }
  if (doc.html) expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  if (doc.redirect) expect(response.headers.get("location")).toMatch(/^(https:\/\/|\/)/);
  // Set-Cookie is documented where cookies may be set (login's only in cookie mode); every other documented header is always sent.
  for (const name of Object.keys(doc.headers ?? {}).filter((header) => header !== "Set-Cookie")) {
    expect(response.headers.has(name), `header ${name}`).toBe(true);
  }
}

it("has bad-request cases for every declared operation, and none for undeclared ones", () => {
  expect(Object.keys(CASES).sort()).toEqual([...declarations.keys()].sort());
  for (const [operationId, { bad }] of Object.entries(CASES)) expect(bad.length, operationId).toBeGreaterThan(0);
});

for (const [operationId, declaration] of declarations) {
  const cases = CASES[operationId];
  // An operation without cases fails the test above; it gets no describe block of its own.
  if (!cases) continue;
  describe(operationId, () => {
    const named = [...cases.bad.map((testCase) => ({ name: `bad: ${testCase.name}`, testCase })), ...cases.good.map((testCase) => ({ name: `good: ${testCase.name}`, testCase }))];
    it.each(named)("$name", async ({ testCase }) => {
      await conforms(declaration, testCase);
    });
  });
}
