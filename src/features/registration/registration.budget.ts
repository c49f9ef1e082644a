// The per-IP sign-up budget (THROTTLE_RATES `register`), spent by the service through a callback.
import type { Deps } from "../../core/deps";
import type { MiddlewareHandler } from "hono";
import { clientNetworkKey, peekThrottle } from "../../core/throttle";
import type { AppEnv } from "../../http/context";
import { throttled } from "../../http/errors";
import { enforceThrottle } from "../../http/throttle";

/** Spent before an account, a mail, or an answer that a name or address is taken (429 when exhausted). */
export const spendSignupBudget = (deps: Deps): Promise<void> => enforceThrottle(deps, "register", clientNetworkKey(deps));

/**
 * Registration guard: once the budget is spent, every sign-up answers 429, before any lookup. Only
 * some answers spend it (an account, a mail, a "taken"); without this guard an exhausted budget would
 * answer 429 for a taken name and 400 for a free one, an unlimited oracle.
 */
export const requireSignupBudget: MiddlewareHandler<AppEnv> = async (c, next) => {
  const deps = c.var.deps;
  const left = await peekThrottle(deps, "register", clientNetworkKey(deps));
  if (!left.allowed) throw throttled(left.retryAfterSeconds);
  await next();
};
