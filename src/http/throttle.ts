// Throttle middleware: rate-limit rules declared next to the routes they protect.
import type { MiddlewareHandler } from "hono";
import type { ThrottleScope } from "../config";
import type { Deps } from "../core/deps";
import { hitThrottle } from "../core/throttle";
import type { AppEnv } from "./context";
import { throttled } from "./errors";

/** Throws 429 when `scope` is exhausted for `key`. */
export async function enforceThrottle(deps: Deps, scope: ThrottleScope, key: string, detail?: string): Promise<void> {
  const result = await hitThrottle(deps, scope, key);
  if (!result.allowed) throw throttled(result.retryAfterSeconds, detail);
}

/** Per-client-IP throttle for a public endpoint. */
export function throttleByIp(scope: ThrottleScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const deps = c.var.deps;
    await enforceThrottle(deps, scope, deps.client.ip ?? "unknown");
    await next();
  };
}
