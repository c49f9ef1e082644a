// The reset capability cookie of the jwt-allauth link flow: its name, path, and the guard of set-new/.
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { Config } from "../../config";
import type { AppEnv } from "../../http/context";
import { constantTimeEqual, utf8 } from "../../crypto/bytes";
import { csrfFailed, enforceCsrf } from "../../http/csrf";
import { ApiError } from "../../http/errors";
import { capabilityCsrfToken } from "./reset-capability.service";

export const CAPABILITY_COOKIE = "password_reset_access_token";
const CAPABILITY_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Only the reset pages and set-new/ ever see the cookie. */
export const capabilityCookiePath = (config: Config) => `${config.authPrefix}password/reset/`;

/** The presented capability, or null when absent or malformed. */
export function presentedCapability(c: Context): string | null {
  const value = getCookie(c, CAPABILITY_COOKIE);
  return value && CAPABILITY_SHAPE.test(value) ? value : null;
}

/**
 * set-new/ guard: capability cookie present, then CSRF (header, or the form field as Django reads it),
 * and the token must be the one the link issued with this capability (capabilityCsrfToken).
 */
export const requireCapabilityCookie: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { deps } = c.var;
  const capability = presentedCapability(c);
  if (!capability) {
    throw new ApiError(401, { detail: "Authentication credentials were not provided." }, { "WWW-Authenticate": "Cookie" });
  }
  if (deps.config.passwordResetCookieCsrf) {
    const presented = await enforceCsrf(c, deps.config);
    if (!constantTimeEqual(utf8(presented), utf8(await capabilityCsrfToken(deps, capability)))) throw csrfFailed("CSRF token incorrect.");
  }
  await next();
};
