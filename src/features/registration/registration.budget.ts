// The per-IP sign-up budget (THROTTLE_RATES `register`), spent by the service through a callback.
import type { Deps } from "../../core/deps";
import { enforceThrottle } from "../../http/throttle";

/** Spent before an account, a mail, or an answer that a name or address is taken (429 when exhausted). */
export const spendSignupBudget = (deps: Deps): Promise<void> => enforceThrottle(deps, "register", deps.client.ip ?? "unknown");
