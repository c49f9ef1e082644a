// Builds the Hono app: global headers, CORS, error mapping, and every route under AUTH_PREFIX.
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type Bindings, ConfigError, type Config, getConfig } from "./config";
import { InvalidInput } from "./core/errors";
import { type AppEnv, type AppOptions, depsMiddleware } from "./http/context";
import { ApiError, validationError } from "./http/errors";
import { renameErrorFields } from "./http/validation";
import { emailRoutes } from "./routes/email";
import { csrfRoutes } from "./routes/csrf";
import { historyRoutes } from "./routes/history";
import { loginRoutes } from "./routes/login";
import { logoutRoutes } from "./routes/logout";
import { passwordRoutes } from "./routes/password";
import { passwordLinkRoutes } from "./routes/password-link";
import { profileRoutes } from "./routes/profile";
import { registrationRoutes } from "./routes/registration";
import { sessionRoutes } from "./routes/sessions";
import { tokenRoutes } from "./routes/token";
import { userRoutes } from "./routes/user";

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** Maps any thrown error to the contract's body; unexpected ones are logged and never leak internals. */
function errorResponse(error: unknown, aliases?: ReadonlyMap<string, string>): Response {
  if (error instanceof InvalidInput) error = validationError(renameErrorFields(error.errors, aliases ?? new Map()));
  if (error instanceof ApiError) return jsonResponse(error.status, error.body, error.headers);
  console.error("unhandled error", error);
  return jsonResponse(500, { detail: "A server error occurred." });
}

function buildApp(config: Config, options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false }).basePath(config.authPrefix.replace(/\/$/, "") || "/");
  const corsOrigins = new Set(config.corsAllowedOrigins);
  const corsAllowHeaders = `Authorization, Content-Type, ${config.csrfHeaderName}`;

  app.use(async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set("Cache-Control", "no-store");
    if (headers.get("content-type") === "application/json") headers.set("content-type", "application/json; charset=utf-8");
    const origin = c.req.header("origin");
    if (origin && corsOrigins.has(origin)) {
      headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Access-Control-Allow-Credentials", "true");
      headers.append("Vary", "Origin");
      // A cross-site app cannot read the API's csrftoken cookie; it reads the same value from this header.
      headers.set("Access-Control-Expose-Headers", config.csrfHeaderName);
      if (c.req.method === "OPTIONS") {
        headers.set("Access-Control-Allow-Methods", headers.get("Allow") ?? "GET, POST, PUT, PATCH, DELETE, OPTIONS");
        headers.set("Access-Control-Allow-Headers", corsAllowHeaders);
        headers.set("Access-Control-Max-Age", "600");
      }
    }
  });
  app.use(depsMiddleware(options));

  loginRoutes(app);
  logoutRoutes(app, config.logoutOnGet);
  tokenRoutes(app);
  csrfRoutes(app);
  userRoutes(app);
  passwordRoutes(app);
  passwordLinkRoutes(app);
  registrationRoutes(app, config.emailRequired);
  profileRoutes(app);
  historyRoutes(app);
  sessionRoutes(app);
  emailRoutes(app);

  app.notFound(() => jsonResponse(404, { detail: "Not found." }));
  app.onError((error, c) => {
    const response = errorResponse(error, c.get("aliases"));
    return c.newResponse(response.body, response.status as ContentfulStatusCode, Object.fromEntries(response.headers));
  });
  return app;
}

export interface App {
  fetch(request: Request, env: Bindings, ctx?: ExecutionContext): Promise<Response>;
}

/** The Worker's fetch handler. One Hono app per (isolate, config). */
export function createApp(options: AppOptions = {}): App {
  const apps = new WeakMap<Config, Hono<AppEnv>>();
  return {
    async fetch(request, env, ctx) {
      let config: Config;
      try {
        config = getConfig(env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // The message names the setting; production keeps it in the logs only.
        console.error(`configuration error: ${error.message}`);
        const detail = env.ENVIRONMENT === "production" ? "A server error occurred." : `Server misconfigured: ${error.message}`;
        return jsonResponse(500, { detail });
      }
      let app = apps.get(config);
      if (!app) {
        app = buildApp(config, options);
        apps.set(config, app);
      }
      return app.fetch(request, env, ctx);
    },
  };
}
