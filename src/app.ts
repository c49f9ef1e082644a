// Builds the Hono app: security and global headers, CORS, error mapping, and every route under AUTH_PREFIX.
import { Hono, type MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type Bindings, ConfigError, type Config, getConfig } from "./config";
import { InvalidInput } from "./core/errors";
import { isStorageUnavailable, STORAGE_RETRY_AFTER } from "./core/storage-errors";
import { type AppEnv, type AppOptions, depsMiddleware } from "./http/context";
import { ApiError, validationError } from "./http/errors";
import { renameErrorFields } from "./http/validation";
import { allEndpoints } from "./features";
import { openApiDocument } from "./features/docs/docs.routes";
import { type Mount, registerEndpoints, type ServedApi } from "./http/endpoint";

/**
 * The headers every response carries unless it set its own (the pages their nonce CSP, the docs files
 * their caching): nothing may frame anything (X-Frame-Options + CSP frame-ancestors), a JSON answer
 * opened as a document can load and run nothing (default-src 'none'), no MIME sniffing, no Referer
 * leaving with a link (a reset page's URL holds its token), and, in production, HSTS and COOP. hono's
 * secureHeaders adds its other defaults (CORP same-origin: a CORS fetch is not subject to it).
 */
function securityHeaders(config: Config): MiddlewareHandler<AppEnv> {
  // Production is https (config.ts refuses an http:// PUBLIC_BASE_URL there). Over http browsers ignore
  // both of these, Chromium with a console error for COOP (and a page load its automation never sees
  // finish), and a development machine must stay reachable over http.
  const https = config.environment === "production";
  return secureHeaders({
    overwrite: false,
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    strictTransportSecurity: https ? "max-age=31536000; includeSubDomains" : false,
    crossOriginOpenerPolicy: https ? "same-origin" : false,
  });
}

/** What securityHeaders gives a JSON answer, for the one built before the app exists (a bad configuration). */
const BARE_SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...BARE_SECURITY_HEADERS, ...headers },
  });
}

/** The 500 of a bad setting: named outside production, only in the logs in production. */
function misconfigured(error: ConfigError, production: boolean): Response {
  console.error(`configuration error: ${error.message}`);
  return jsonResponse(500, { detail: production ? "A server error occurred." : `Server misconfigured: ${error.message}` });
}

/** Maps any thrown error to the contract's body; unexpected ones are logged (with the request id) and never leak internals. */
function errorResponse(error: unknown, config: Config, aliases?: ReadonlyMap<string, string>, id?: string): Response {
  if (error instanceof InvalidInput) error = validationError(renameErrorFields(error.errors, aliases ?? new Map()));
  if (error instanceof ApiError) return jsonResponse(error.status, error.body, error.headers);
  // Settings checked only when used (MFA_ENCRYPTION_KEYS, the keys' consistency) fail like the others.
  if (error instanceof ConfigError) return misconfigured(error, config.environment === "production");
  if (isStorageUnavailable(error)) {
    // D1 or KV failed as a service: every multi-row write is one batch, so nothing was half-written
    // and the request can be retried as it was.
    console.error(`storage unavailable (request ${id ?? "unknown"})`, error);
    return jsonResponse(503, { detail: "Service temporarily unavailable." }, { "Retry-After": String(STORAGE_RETRY_AFTER) });
  }
  console.error(`unhandled error (request ${id ?? "unknown"})`, error);
  return jsonResponse(500, { detail: "A server error occurred." });
}

/** "/auth/" -> "/auth"; "/" -> "". */
const base = (prefix: string) => prefix.replace(/\/$/, "");

/** Marks the requests of one mount with what it serves; the legacy mount also answers with legacy token names. */
function mountMiddleware(served: ServedApi, config?: Config): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("api", served);
    if (config) c.set("deps", { ...c.var.deps, config });
    await next();
  };
}

function buildApp(config: Config, options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const corsOrigins = new Set(config.corsAllowedOrigins);
  const corsAllowHeaders = `Authorization, Content-Type, ${config.csrfHeaderName}`;

  app.use(securityHeaders(config));
  // A request id in every response and in the error log; Cloudflare's ray id when there is one.
  app.use(requestId({ generator: (c) => c.req.header("cf-ray") ?? crypto.randomUUID() }));
  app.use(async (c, next) => {
    await next();
    const headers = c.res.headers;
    // Responses built without the context (not-found, the docs assets) miss the header requestId() prepared.
    if (!headers.has("X-Request-Id")) headers.set("X-Request-Id", c.get("requestId"));
    // Handlers that may be cached say so (the docs assets); everything else is private and fresh.
    if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
    if (headers.get("content-type") === "application/json") headers.set("content-type", "application/json; charset=utf-8");
    const origin = c.req.header("origin");
    if (origin && corsOrigins.has(origin)) {
      headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Access-Control-Allow-Credentials", "true");
      headers.append("Vary", "Origin");
      // A cross-site app cannot read the API's csrftoken cookie; it reads the same value from this header.
      headers.set("Access-Control-Expose-Headers", `${config.csrfHeaderName}, X-Request-Id`);
      if (c.req.method === "OPTIONS") {
        headers.set("Access-Control-Allow-Methods", headers.get("Allow") ?? "GET, POST, PUT, PATCH, DELETE, OPTIONS");
        headers.set("Access-Control-Allow-Headers", corsAllowHeaders);
        headers.set("Access-Control-Max-Age", "600");
      }
    }
  });
  app.use(depsMiddleware(options));

  const authMount: Mount = {
    prefix: config.authPrefix,
    paths: (declaration) => [declaration.path, ...(declaration.aliases ?? [])],
    title: "edge-rest-auth",
  };
  app.use(`${base(config.authPrefix)}/*`, mountMiddleware({ endpoints: allEndpoints, mount: authMount }));
  registerEndpoints(app, config, allEndpoints, authMount);

  if (config.legacyAccountsPrefix) {
    // Seed 004 at its own paths, by the same declarations, always with the legacy token names (contract §4).
    const legacyMount: Mount = {
      prefix: config.legacyAccountsPrefix,
      paths: (declaration) => declaration.legacyPaths ?? [],
      // Like drf-spectacular's schema view, spectacular/ is served but not listed: the document is exactly the seed's paths.
      documented: (declaration) => declaration !== openApiDocument,
      aliasFieldNames: true,
      title: "JWT Authentication API (seed 004 paths)",
    };
    const legacyConfig: Config = { ...config, jwtResponseFieldStyle: "legacy" };
    app.use(`${base(config.legacyAccountsPrefix)}/*`, mountMiddleware({ endpoints: allEndpoints, mount: legacyMount }, legacyConfig));
    registerEndpoints(app, legacyConfig, allEndpoints, legacyMount);
  }

  app.notFound((c) => c.json({ detail: "Not found." }, 404));
  app.onError((error, c) => {
    const response = errorResponse(error, config, c.get("aliases"), c.get("requestId"));
    return c.newResponse(response.body, response.status as ContentfulStatusCode, Object.fromEntries(response.headers));
  });
  return app;
}

export interface App {
  fetch(request: Request, env: Bindings, ctx?: ExecutionContext): Promise<Response>;
  /** Method and path of every route the app for `env`'s config registers, middleware included (tests walk them). */
  routes(env: Bindings): ReadonlyArray<{ readonly method: string; readonly path: string }>;
}

/** The Worker's fetch handler. One Hono app per (isolate, config). */
export function createApp(options: AppOptions = {}): App {
  const apps = new WeakMap<Config, Hono<AppEnv>>();
  const appFor = (config: Config): Hono<AppEnv> => {
    let app = apps.get(config);
    if (!app) {
      app = buildApp(config, options);
      apps.set(config, app);
    }
    return app;
  };
  return {
    async fetch(request, env, ctx) {
      let config: Config;
      try {
        config = getConfig(env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // The message names the setting; production keeps it in the logs only.
        return misconfigured(error, env.ENVIRONMENT === "production");
      }
      return appFor(config).fetch(request, env, ctx);
    },
    routes: (env) => appFor(getConfig(env)).routes.map(({ method, path }) => ({ method, path })),
  };
}
