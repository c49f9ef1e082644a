// Declared endpoints: one declaration per operation drives routing, CSRF, throttle, auth, body
// validation, the handler's types and the OpenAPI document (http/openapi.ts).
import type { Context, Handler, Hono, MiddlewareHandler } from "hono";
import type * as z from "zod/mini";
import type { Bindings, Config, ThrottleScope } from "../config";
import type { Deps } from "../core/deps";
import { optionalAuth, requireAuth } from "./auth";
import type { AppEnv, Authenticated } from "./context";
import { csrfOnUnauthenticated, isUnsafeMethod } from "./csrf";
import { detailError } from "./errors";
import type { ResponseDoc } from "./responses";
import { throttleByIp } from "./throttle";
import { type FieldChecks, readLimited, refuseDeclaredOversize, validateBody } from "./validation";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call: anyone (`public`), anyone with the caller known when a valid access token comes along
 * (`optional`), only with a valid access token (`required`), or only with a capability cookie the
 * declaration's `capability` middleware checks (the reset link flow).
 */
export type AuthKind = "public" | "optional" | "required" | "capability";

/** The body schema under a config (most ignore it; registration and password change depend on settings). */
export type BodySchema = (config: Config) => z.ZodMiniType<Record<string, unknown>>;

export interface QueryParamDoc {
  name: string;
  description: string;
  schema: { type: "integer" | "string"; minimum?: number; enum?: readonly string[] };
}

/** Where a set of endpoints is served: the /auth/ API or the seed-004 paths under LEGACY_ACCOUNTS_PREFIX. */
export interface Mount {
  /** With leading and trailing slash. */
  prefix: string;
  /** Which paths of a declaration are served there (none = not served there). */
  paths: (declaration: Declaration) => readonly string[];
  /** Which served operations the mount's OpenAPI document lists (default: all). */
  documented?: (declaration: Declaration) => boolean;
  /**
   * The body fields go by their seed-004 names here (`bodyAliases`): the document lists those, and a
   * field left out is reported under that name. The canonical names are still accepted.
   */
  aliasFieldNames?: boolean;
  title: string;
}

/** What the request's mount serves, for the API documents. */
export interface ServedApi {
  endpoints: readonly Endpoint[];
  mount: Mount;
}

export interface Declaration<A extends AuthKind = AuthKind, B extends BodySchema | undefined = BodySchema | undefined> {
  /** The handler's name and the OpenAPI operationId. */
  operationId: string;
  method: Method;
  /** Path under AUTH_PREFIX in Hono's syntax (`/sessions/:id`), without trailing slash (both forms are served). */
  path: string;
  /** Other paths serving the same operation (contract aliases). */
  aliases?: readonly string[];
  /** Paths under LEGACY_ACCOUNTS_PREFIX (seed 004, contract §4), served with the legacy token names. */
  legacyPaths?: readonly string[];
  auth: A;
  /** For `auth: "capability"`: the check that the capability cookie is present (and CSRF where it applies). */
  capability?: MiddlewareHandler<AppEnv>;
  /** Per-IP throttle scope, spent once the body is valid (malformed input spends nothing). */
  throttle?: ThrottleScope;
  /** Scopes the handler or service enforces itself (keyed by identifier or address): documented, not applied here. */
  otherThrottles?: readonly ThrottleScope[];
  /** Middleware that runs before everything but CSRF (registration-open check, cookie expiry on 401). */
  guards?: ReadonlyArray<MiddlewareHandler<AppEnv>>;
  body?: B;
  /** canonical field -> seed-004 alias accepted in the body. */
  bodyAliases?: Readonly<Record<string, string>>;
  /** The service's field-level checks, also run on the fields that passed when the schema refused others. */
  checkFields?: FieldChecks;
  query?: readonly QueryParamDoc[];
  /**
   * The values a path parameter may take under a config (the configured social providers): the
   * router matches only these, other words fall through to 404, and the document lists them as an enum.
   */
  pathValues?: Readonly<Record<string, (config: Config) => readonly string[]>>;
  /** Whether this operation exists under `config` (e.g. GET logout/ only with ACCOUNT_LOGOUT_ON_GET). */
  enabled?: (config: Config) => boolean;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** Every answer this operation gives itself; the ones the chain adds (400/413/415, 401, 403, 429) are added from the declaration. */
  responses: Readonly<Record<number, ResponseDoc>>;
}

/** The validated body's type; `{}` for an operation without a body. (`body` is optional, so B includes undefined.) */
type BodyOf<B> = [NonNullable<B>] extends [never]
  ? Record<string, never>
  : NonNullable<B> extends (config: Config) => infer S
    ? S extends z.ZodMiniType
      ? z.output<S>
      : never
    : never;

/** The request variables a handler of declaration `D` can rely on. */
export type EndpointVariables<D extends Declaration> = {
  deps: Deps;
  aliases: ReadonlyMap<string, string>;
  api: ServedApi;
  body: BodyOf<D["body"]>;
} & (D["auth"] extends "required" ? { auth: Authenticated } : {}) &
  (D["auth"] extends "optional" ? { caller: Authenticated | null } : {});

export type EndpointContext<D extends Declaration> = Context<{ Bindings: Bindings; Variables: EndpointVariables<D> }>;

/** A handler typed by its declaration: `c.var.auth` exists only where auth is required, `c.var.body` is the validated body. */
export type EndpointHandler<D extends Declaration> = (c: EndpointContext<D>) => Response | Promise<Response>;

/** Identity with inference: keeps the literal auth kind and body schema in the declaration's type. */
export function declare<A extends AuthKind, B extends BodySchema | undefined = undefined>(declaration: Declaration<A, B>): Declaration<A, B> {
  if (declaration.auth === "capability" && !declaration.capability) {
    throw new TypeError(`${declaration.operationId}: auth "capability" needs a capability middleware`);
  }
  // "" is the prefix itself (GET /auth/).
  if (declaration.path !== "" && (!declaration.path.startsWith("/") || declaration.path.endsWith("/"))) {
    throw new TypeError(`${declaration.operationId}: path must start with "/" and not end with one`);
  }
  return declaration;
}

export interface Endpoint {
  declaration: Declaration;
  handler: Handler<AppEnv>;
}

/** A feature's declarations paired with its handlers of the same names; the type checker matches them. */
export function endpoints<R extends Record<string, Declaration>>(declarations: R, handlers: { [K in keyof R]: EndpointHandler<R[K]> }): Endpoint[] {
  return Object.entries(declarations).map(([name, declaration]) => {
    if (declaration.operationId !== name) throw new TypeError(`declaration ${name} has operationId ${declaration.operationId}`);
    return { declaration, handler: handlers[name] as unknown as Handler<AppEnv> };
  });
}

/**
 * The uid path parameter: `:uid` under AUTH_PREFIX, `:uidb64` in seed 004's paths (the names its
 * document uses).
 */
export function uidParam(c: Context): string {
  return c.req.param("uid") ?? c.req.param("uidb64") ?? "";
}

// Provider keys are [a-z0-9-] (config check); the rest is escaped in case a value ever has one.
const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `path` as the router registers it: each parameter of `pathValues` restricted to its values
 * (`/:provider` -> `/:provider{(?:google|github)}`; the group keeps the alternation anchored).
 */
export function constrainedPath(config: Config, declaration: Declaration, path: string): string {
  const values = declaration.pathValues;
  if (!values) return path;
  return path.replace(/:(\w+)/g, (whole, name: string) => {
    const allowed = values[name]?.(config);
    return allowed ? `:${name}{(?:${allowed.map(escapeRegExp).join("|")})}` : whole;
  });
}

/** The validated body, for `c.var.body`. */
const exposeBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  (c as unknown as Context<{ Variables: { body: unknown } }>).set("body", c.req.valid("json" as never));
  await next();
};

/** An operation without a body still gets the 413 for an oversized one (a chunked upload has no length). */
const noBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.raw.body && isUnsafeMethod(c.req.method)) await readLimited(c.req.raw);
  (c as unknown as Context<{ Variables: { body: unknown } }>).set("body", {});
  await next();
};

/**
 * The chain a declaration gets, in this order: 413 for a declared length over 64 KiB -> CSRF for
 * header-less unsafe requests (a no-op unless JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED) ->
 * guards -> auth -> body -> per-IP throttle -> handler.
 */
function chainFor({ declaration, handler }: Endpoint, mount: Mount): Array<MiddlewareHandler<AppEnv> | Handler<AppEnv>> {
  const auth = {
    public: [],
    optional: [optionalAuth],
    required: [requireAuth],
    capability: [declaration.capability!],
  }[declaration.auth];
  const hasBody = declaration.body !== undefined && declaration.method !== "GET";
  return [
    refuseDeclaredOversize,
    ...(isUnsafeMethod(declaration.method) ? [csrfOnUnauthenticated] : []),
    ...(declaration.guards ?? []),
    ...auth,
    ...(hasBody
      ? [
          validateBody(declaration.body!, { aliases: declaration.bodyAliases, reportAliases: mount.aliasFieldNames, checkFields: declaration.checkFields }),
          exposeBody,
        ]
      : [noBody]),
    // After the body: input refused as malformed spends no budget (it reached no password check, account or mail).
    ...(declaration.throttle ? [throttleByIp(declaration.throttle)] : []),
    handler,
  ];
}

/**
 * Registers every enabled endpoint at its paths under `mount`; each path answers its methods,
 * OPTIONS with `Allow`, HEAD where GET is, and DRF's 405 with `Allow` for the rest.
 */
export function registerEndpoints(app: Hono<AppEnv>, config: Config, list: readonly Endpoint[], mount: Mount): void {
  const base = mount.prefix.replace(/\/$/, "");
  const byPath = new Map<string, Endpoint[]>();
  for (const endpoint of list) {
    if (endpoint.declaration.enabled && !endpoint.declaration.enabled(config)) continue;
    for (const path of mount.paths(endpoint.declaration).map((path) => base + constrainedPath(config, endpoint.declaration, path))) {
      const same = byPath.get(path) ?? [];
      if (same.some((other) => other.declaration.method === endpoint.declaration.method)) {
        throw new TypeError(`${endpoint.declaration.method} ${path} is declared twice`);
      }
      byPath.set(path, [...same, endpoint]);
    }
  }
  for (const [path, here] of byPath) {
    // GET first (then HEAD after the declared ones), the rest in declaration order.
    const methods = here.map((endpoint) => endpoint.declaration.method).sort((a, b) => Number(b === "GET") - Number(a === "GET"));
    const allow = [...methods, ...(methods.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
    for (const endpoint of here) app.on(endpoint.declaration.method, path, ...(chainFor(endpoint, mount) as [Handler<AppEnv>]));
    app.on("OPTIONS", path, (c) => c.body(null, 204, { Allow: allow }));
    app.all(path, (c) => {
      throw detailError(405, `Method "${c.req.method.toUpperCase()}" not allowed.`, {}).withHeaders({ Allow: allow });
    });
  }
}
