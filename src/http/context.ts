// Typed Hono environment and the per-request middleware that builds services' dependencies once.
import { drizzle } from "drizzle-orm/d1";
import type { MiddlewareHandler } from "hono";
import { type Bindings, getConfig } from "../config";
import { replicaSession } from "../db/replica";
import * as schema from "../db/schema";
import type { User } from "../db/schema";
import type { Database, Deps } from "../core/deps";
import type { TokenClaims } from "../core/tokens";
import type { ServedApi } from "./endpoint";

export interface Authenticated {
  user: User;
  claims: TokenClaims;
}

export type AppEnv = {
  Bindings: Bindings;
  Variables: {
    deps: Deps;
    /** Set by requireAuth. */
    auth: Authenticated;
    /** Set by optionalAuth (logout/): the caller, or null. */
    caller: Authenticated | null;
    aliases: ReadonlyMap<string, string>;
    /** Set per mount by app.ts: what this request's prefix serves (the API documents read it). */
    api: ServedApi;
  };
};

export interface AppOptions {
  /** Clock in Unix ms; tests inject a fake one. */
  now?: () => number;
}

const databases = new WeakMap<D1Database, Database>();

function database(d1: D1Database): Database {
  let db = databases.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    databases.set(d1, db);
  }
  return db;
}

/** Builds `deps` for the request: config and db client are reused across requests of the isolate. */
export function depsMiddleware(options: AppOptions): MiddlewareHandler<AppEnv> {
  const now = options.now ?? Date.now;
  return async (c, next) => {
    const config = getConfig(c.env);
    let waitUntil: (promise: Promise<unknown>) => void;
    try {
      const ctx = c.executionCtx;
      waitUntil = (promise) => ctx.waitUntil(promise);
    } catch {
      waitUntil = () => {};
    }
    const headers = c.req.raw.headers;
    c.set("deps", {
      config,
      db: database(c.env.DB),
      kv: c.env.TOKENS_KV,
      throttle: c.env.THROTTLE ?? null,
      userRateLimiter: c.env.USER_RATE_LIMITER ?? null,
      now,
      defer: (work) =>
        waitUntil(
          work.catch((error: unknown) => {
            console.error("deferred work failed", error);
          }),
        ),
      client: {
        ip: headers.get(config.clientIpHeader)?.split(",")[0]?.trim() || null,
        userAgent: (headers.get("user-agent") ?? "").slice(0, 512),
        country: (c.req.raw as { cf?: { country?: string } }).cf?.country ?? headers.get("cf-ipcountry") ?? null,
      },
      replica: replicaSession(c.env.DB),
    });
    await next();
  };
}
