// The OpenAPI 3.1 document, generated from the declarations and the same zod/mini schemas that
// validate requests; built once per config and mount on first request.
import * as z from "zod/mini";
import type { Config } from "../config";
import { isUnsafeMethod } from "./csrf";
import type { Declaration, Endpoint, Mount } from "./endpoint";
import { CHAIN_RESPONSES, mergeResponses, type ResponseDoc } from "./responses";
import { fieldDoc } from "./validation";

type JsonSchema = Record<string, unknown>;

const BODY_TYPES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"];

/** zod/mini -> JSON Schema; our DRF field helpers carry their own description (their pipes are not representable). */
function jsonSchema(schema: z.ZodMiniType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    override: (ctx) => {
      const doc = fieldDoc(ctx.zodSchema);
      if (doc) {
        for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
        Object.assign(ctx.jsonSchema, doc);
      }
    },
  }) as JsonSchema;
  return rest;
}

/** Hono `:param` -> OpenAPI `{param}`, with the trailing slash the contract writes. */
const openApiPath = (prefix: string, path: string) => (path === "" ? prefix : `${prefix}${path.slice(1).replace(/:(\w+)/g, "{$1}")}/`);

/** The body; with `aliasFieldNames` the seed-004 names take the canonical ones' places (and their required-ness). */
function requestBody(config: Config, declaration: Declaration, aliasFieldNames: boolean): JsonSchema | undefined {
  if (!declaration.body || declaration.method === "GET") return undefined;
  const schema = jsonSchema(declaration.body(config), "input");
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const aliases = new Map(Object.entries(declaration.bodyAliases ?? {}));
  if (aliasFieldNames && aliases.size > 0) {
    schema.properties = Object.fromEntries(
      Object.entries(properties).map(([name, property]) => {
        const alias = aliases.get(name);
        return alias ? [alias, { ...property, description: `Also accepted as \`${name}\` (which wins when both are sent).` }] : [name, property];
      }),
    );
    if (Array.isArray(schema.required)) schema.required = schema.required.map((name: string) => aliases.get(name) ?? name);
  } else {
    for (const [canonical, alias] of aliases) {
      properties[alias] = { ...properties[canonical], description: `Seed-004 name of \`${canonical}\`, read when \`${canonical}\` is absent.` };
    }
  }
  const content = Object.fromEntries(BODY_TYPES.map((type) => [type, { schema }]));
  return { required: Array.isArray(schema.required) && schema.required.length > 0, content };
}

function response(config: Config, doc: ResponseDoc): JsonSchema {
  const out: JsonSchema = { description: doc.description };
  if (doc.json) out.content = { "application/json": { schema: jsonSchema(doc.json(config), "output") } };
  if (doc.html) out.content = { "text/html": { schema: { type: "string" } } };
  if (doc.headers) {
    out.headers = Object.fromEntries(Object.entries(doc.headers).map(([name, description]) => [name, { description, schema: { type: "string" } }]));
  }
  return out;
}

/** Whether a request to this operation can fail a CSRF check under `config` (contract §1.7). */
function csrfChecked(config: Config, declaration: Declaration): boolean {
  if (!isUnsafeMethod(declaration.method)) return false;
  const { access, refresh, useCsrf, enforceCsrfOnUnauthenticated } = config.jwtCookie;
  // Every unsafe request without an Authorization header (http/csrf.ts), JWT cookies configured or not.
  if (enforceCsrfOnUnauthenticated) return true;
  // Cookie mode with JWT_AUTH_COOKIE_USE_CSRF: the Origin/Referer check on every unsafe header-less
  // request (http/csrf.ts), and the whole check on one authenticated by the access cookie (http/auth.ts).
  if ((access !== null || refresh !== null) && useCsrf) return true;
  // set-new/ with the reset capability cookie.
  return declaration.auth === "capability" && config.passwordResetCookieCsrf;
}

/** A declaration's own answers plus those its chain gives. */
export function allResponses(config: Config, declaration: Declaration): Record<number, ResponseDoc> {
  // Every operation refuses a body over 64 KiB, whether or not it reads one.
  const all: Record<number, ResponseDoc> = { 413: CHAIN_RESPONSES.tooLarge };
  if (declaration.body && declaration.method !== "GET") {
    all[400] = CHAIN_RESPONSES.validation;
    all[415] = CHAIN_RESPONSES.unsupportedMediaType;
  }
  if (declaration.auth === "required") all[401] = CHAIN_RESPONSES.unauthorized;
  if (csrfChecked(config, declaration)) all[403] = CHAIN_RESPONSES.csrf;
  if (declaration.throttle || declaration.otherThrottles?.length || declaration.auth === "required") all[429] = CHAIN_RESPONSES.throttled;
  // Any operation that reads or writes D1/KV (all but the documents and the JWKS, built from config alone).
  if (!declaration.tags.some((tag) => tag === "docs" || tag === "keys")) all[503] = CHAIN_RESPONSES.unavailable;
  for (const [status, own] of Object.entries(declaration.responses)) {
    const chain = all[Number(status)];
    all[Number(status)] = chain ? mergeResponses(chain, own) : own;
  }
  return all;
}

function security(config: Config, declaration: Declaration): JsonSchema[] {
  const token = [{ bearer: [] }, ...(config.jwtCookie.access ? [{ accessCookie: [] }] : [])];
  switch (declaration.auth) {
    case "required":
      return token;
    case "optional":
      return [...token, {}];
    case "capability":
      return [{ resetCapability: [] }];
    default:
      return [];
  }
}

/** The operation as served at `path` (Hono syntax): its path parameters are the ones that path names. */
function operation(config: Config, declaration: Declaration, mount: Mount, path: string, operationId: string, aliasOf: string | null): JsonSchema {
  const parameters = [
    ...[...path.matchAll(/:(\w+)/g)].map(([, name]) => {
      const values = declaration.pathValues?.[name!]?.(config);
      return { name, in: "path", required: true, schema: values ? { type: "string", enum: [...values] } : { type: "string" } };
    }),
    ...(declaration.query ?? []).map((query) => ({ name: query.name, in: "query", required: false, description: query.description, schema: query.schema })),
  ];
  const body = requestBody(config, declaration, mount.aliasFieldNames ?? false);
  const description = [declaration.description, aliasOf ? `Alias of \`${aliasOf}\`.` : undefined].filter(Boolean).join("\n\n");
  return {
    operationId,
    summary: declaration.summary,
    ...(description ? { description } : {}),
    tags: declaration.tags,
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    security: security(config, declaration),
    responses: Object.fromEntries(Object.entries(allResponses(config, declaration)).map(([status, doc]) => [status, response(config, doc)])),
  };
}

/** The document of `endpoints` as served under `mount`, for `config`. */
function buildOpenApi(config: Config, endpoints: readonly Endpoint[], mount: Mount): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const tags = new Set<string>();
  for (const { declaration } of endpoints) {
    if (declaration.enabled && !declaration.enabled(config)) continue;
    if (mount.documented && !mount.documented(declaration)) continue;
    const served = mount.paths(declaration);
    served.forEach((path, index) => {
      const key = openApiPath(mount.prefix, path);
      const operationId = index === 0 ? declaration.operationId : `${declaration.operationId}_${index}`;
      const aliasOf = index === 0 ? null : openApiPath(mount.prefix, served[0]!);
      (paths[key] ??= {})[declaration.method.toLowerCase()] = operation(config, declaration, mount, path, operationId, aliasOf);
      declaration.tags.forEach((tag) => tags.add(tag));
    });
  }
  const securitySchemes: JsonSchema = {
    bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "Access token from login/, mfa/authenticate/ or token/refresh/" },
    resetCapability: { type: "apiKey", in: "cookie", name: "password_reset_access_token", description: "Set by the mailed reset link" },
  };
  if (config.jwtCookie.access) {
    securitySchemes.accessCookie = { type: "apiKey", in: "cookie", name: config.jwtCookie.access, description: "Cookie mode: the access token cookie" };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: mount.title,
      version: "1.0.0",
      description: "dj-rest-auth compatible JWT authentication API. Every path is also served without its trailing slash.",
    },
    // Relative: "try it out" calls the origin that served the document.
    servers: [{ url: "/" }],
    tags: [...tags].map((name) => ({ name })),
    paths,
    components: { securitySchemes },
  };
}

const documents = new WeakMap<Config, Map<string, string>>();

/** The serialized document for (config, mount), built on first request. */
export function openApiJson(config: Config, endpoints: readonly Endpoint[], mount: Mount): string {
  let byMount = documents.get(config);
  if (!byMount) documents.set(config, (byMount = new Map()));
  let document = byMount.get(mount.prefix);
  if (document === undefined) {
    document = JSON.stringify(buildOpenApi(config, endpoints, mount));
    byMount.set(mount.prefix, document);
  }
  return document;
}
