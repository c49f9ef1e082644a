// Throttle middleware: rate-limit rules declared next to the routes they protect.
import type { MiddlewareHandler } from "hono";
import type { ThrottleScope } from "../config";
import type { Deps } from "../core/deps";
import { clientNetworkKey, hitThrottle, type ThrottleKey } from "../core/throttle";
import type { AppEnv } from "./context";
import { throttled } from "./errors";

/** Throws 429 when `scope` is exhausted for `key`. */
export async function enforceThrottle(deps: Deps, scope: ThrottleScope, key: ThrottleKey, detail?: string): Promise<void> {
  const result = await hitThrottle(deps, scope, key);
  if (!result.allowed) throw throttled(result.retryAfterSeconds, detail);
}

/** Per-client throttle for a public endpoint: the client's IPv4 address or IPv6 /64. */
export function throttleByIp(scope: ThrottleScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const deps = c.var.deps;
    await enforceThrottle(deps, scope, clientNetworkKey(deps));
    await next();
  };
}
