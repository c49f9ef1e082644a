// Request generators for the property-based fuzz, built from an endpoint's declaration: its method,
// paths (aliases, seed-004 paths), path parameters, declared query parameters and body fields.
import fc from "fast-check";
import type { Config } from "../../src/config";
import type { Declaration } from "../../src/http/endpoint";

export interface FuzzRequest {
  method: string;
  path: string;
  query: Array<[string, string]>;
  headers: Array<[string, string]>;
  body: { kind: "none" } | { kind: "json"; value: unknown } | { kind: "form" | "multipart"; fields: Array<[string, string]>; file: boolean } | { kind: "raw"; text: string; type: string };
  authenticated: boolean;
}

/** The body's field names under `config` (zod/mini object, possibly inside a pipe). */
export function bodyFields(declaration: Declaration, config: Config): string[] {
  if (!declaration.body) return [];
  let def = (declaration.body(config) as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  while (def.type === "pipe") def = def.in._zod.def;
  const names = def.type === "object" ? Object.keys(def.shape as object) : [];
  const aliases = Object.values(declaration.bodyAliases ?? {});
  return [...names, ...aliases];
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", " ", "\u0000", "é", "ﬀ", "İ", "\u202e", "😀", "a".repeat(300), "null", "true", "0", "-1", "1e309", "__proto__", "constructor"),
  fc.string({ unit: "grapheme-ascii", minLength: 1000, maxLength: 5000 }),
);

/** Values that pass the field checks, so that runs also reach the services and D1. */
const plausible = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom("correct horse battery staple", "Ünïcödé pass phrase 9", "admin", "user_1", "ÜSER", "a@b.co", "https://app.example.test/verify"),
  fc.stringMatching(/^[A-Za-z0-9@.+_-]{1,150}$/),
  fc.stringMatching(/^\d{6}$/),
);

/** Any JSON a client could send for a field: every type, nested, unicode, large. */
const fieldValue = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 3, arbitrary: plausible },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER + 2) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(text, { maxLength: 4 }) },
);

const pathSegment = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
  fc.constantFrom("MQ", "0", "-1", "99999999999999999999999", "1e5", "%00", "..", "%2e%2e", "a%2Fb", "NDI", "x:y", "set-new", "abc-123"),
  fc.integer().map(String),
);

/** A path of the declaration with its parameters filled in (encoded as a client would), with or without the trailing slash. */
function concretePath(template: string) {
  const names = [...template.matchAll(/:(\w+)/g)].map(([, name]) => name!);
  return fc.tuple(fc.array(pathSegment, { minLength: names.length, maxLength: names.length }), fc.boolean()).map(([values, slash]) => {
    let i = 0;
    const filled = template.replace(/:(\w+)/g, () => encodeURIComponent(values[i++]!));
    return filled + (slash ? "/" : "");
  });
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PURGE", "PROPFIND"];

const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });

const contentTypes = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/vnd.api+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "application/xml",
  "",
  "APPLICATION/JSON",
);

/** Random headers a client or an attacker might send (the token, when valid, is added by the runner). */
const headers = fc.array(
  fc.oneof(
    fc.tuple(fc.constant("authorization"), fc.oneof(headerValue, fc.constantFrom("Bearer", "Bearer ", "Bearer a b", "Token x", "Bearer eyJhbGciOiJub25lIn0.e30.", "Basic YTpi"))),
    fc.tuple(fc.constant("cookie"), fc.oneof(headerValue, fc.constantFrom("csrftoken=x", "access=garbage; refresh=garbage", "reset_capability=x"))),
    fc.tuple(fc.constantFrom("origin", "x-csrftoken", "cf-connecting-ip", "user-agent", "accept", "accept-language", "x-forwarded-for", "referer"), headerValue),
    fc.tuple(fc.constantFrom("content-type"), contentTypes),
    fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerValue),
  ),
  { maxLength: 5 },
);

const query = fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom("page", "page_size", "limit", "offset", "format", "next")), fc.oneof(text, fc.integer().map(String), fc.constantFrom("99999999999999999999", "-1", "0", "1.5", "NaN"))), {
  maxLength: 4,
});

/** Any request aimed at `declaration` at one of `paths`: mostly its own method and fields, sometimes anything. */
export function requestFor(declaration: Declaration, paths: readonly string[], fields: readonly string[]): fc.Arbitrary<FuzzRequest> {
  const declaredQuery = (declaration.query ?? []).map((q) => q.name);
  const fieldName = fields.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fields) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }) : fc.string({ maxLength: 12 });
  const record = fc.array(fc.tuple(fieldName, fieldValue), { maxLength: fields.length + 2 });
  const asStrings = fc.array(fc.tuple(fieldName, fc.oneof(text, fieldValue.map((v) => JSON.stringify(v) ?? ""))), { maxLength: fields.length + 2 });
  const body = fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
    { weight: 5, arbitrary: record.map((entries) => ({ kind: "json" as const, value: Object.fromEntries(entries) })) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ kind: "json" as const, value })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom("form" as const, "multipart" as const), asStrings, fc.boolean()).map(([kind, entries, file]) => ({ kind, fields: entries, file })) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ unit: "binary", maxLength: 300 }), contentTypes).map(([raw, type]) => ({ kind: "raw" as const, text: raw, type })) },
  );
  return fc.record({
    method: fc.oneof({ weight: 6, arbitrary: fc.constant(declaration.method as string) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    path: fc.constantFrom(...paths).chain(concretePath),
    query: declaredQuery.length ? fc.tuple(query, fc.array(fc.tuple(fc.constantFrom(...declaredQuery), fc.oneof(text, fc.integer().map(String), fc.constantFrom("99999999999999999999", "-5", "0", "1e3"))), { maxLength: 3 })).map(([a, b]) => [...a, ...b]) : query,
    headers,
    body,
    authenticated: fc.boolean(),
  });
}

/** The Request for a generated case; `token` goes in the Authorization header of authenticated cases. */
export function toRequest(base: string, request: FuzzRequest, token: string | null): Request {
  const url = new URL(base + request.path);
  for (const [key, value] of request.query) url.searchParams.append(key, value);
  const headers = new Headers();
  for (const [name, value] of request.headers) {
    try {
      headers.append(name, value);
    } catch {
      // A value the platform refuses to send cannot reach the Worker either.
    }
  }
  if (request.authenticated && token) headers.set("authorization", `Bearer ${token}`);
  const method = request.method;
  let body: BodyInit | undefined;
  const canHaveBody = method !== "GET" && method !== "HEAD";
  if (canHaveBody) {
    const b = request.body;
    if (b.kind === "json") {
      body = JSON.stringify(b.value);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    } else if (b.kind === "form") {
      body = new URLSearchParams(b.fields);
      headers.delete("content-type");
    } else if (b.kind === "multipart") {
      const form = new FormData();
      // workerd refuses to serialize a part whose name ends in a backslash: no client can send one.
      for (const [k, v] of b.fields) if (!k.endsWith("\\")) form.append(k, v);
      if (b.file) form.append("upload", new Blob(["\u0000binary"]), "x.bin");
      body = form;
      headers.delete("content-type");
    } else if (b.kind === "raw") {
      body = b.text;
      headers.set("content-type", b.type);
    }
  }
  return new Request(url, { method, headers, body });
}
