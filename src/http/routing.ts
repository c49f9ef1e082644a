// Endpoint registration with DRF's 405/OPTIONS behaviour: every path knows the methods it allows.
import type { Handler, Hono, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { csrfOnUnauthenticated, isUnsafeMethod } from "./csrf";
import { detailError } from "./errors";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type Chain = ReadonlyArray<MiddlewareHandler<any, any, any> | Handler<any, any, any>>;

/**
 * Registers `handlers` for `path`; other methods get 405 with `Allow`, OPTIONS gets 204 with `Allow`.
 * Unsafe methods start with the JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED check (a no-op by default).
 */
export function endpoint(app: Hono<AppEnv>, path: string, handlers: Partial<Record<Method, Chain>>): void {
  const methods = Object.keys(handlers) as Method[];
  const allow = [...methods, ...(methods.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
  for (const method of methods) {
    const chain = [...(isUnsafeMethod(method) ? [csrfOnUnauthenticated] : []), ...handlers[method]!];
    app.on(method, path, ...(chain as [Handler<AppEnv>]));
  }
  app.on("OPTIONS", path, (c) => c.body(null, 204, { Allow: allow }));
  app.all(path, (c) => {
    throw detailError(405, `Method "${c.req.method.toUpperCase()}" not allowed.`, {}).withHeaders({ Allow: allow });
  });
}
