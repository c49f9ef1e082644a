// The reset capability cookie of the jwt-allauth link flow: its name, path, and the guard of set-new/.
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { Config } from "../../config";
import type { AppEnv } from "../../http/context";
import { enforceCsrf } from "../../http/csrf";
import { ApiError } from "../../http/errors";

export const CAPABILITY_COOKIE = "password_reset_access_token";
const CAPABILITY_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Only the reset pages and set-new/ ever see the cookie. */
export const capabilityCookiePath = (config: Config) => `${config.authPrefix}password/reset/`;

/** The presented capability, or null when absent or malformed. */
export function presentedCapability(c: Context): string | null {
  const value = getCookie(c, CAPABILITY_COOKIE);
  return value && CAPABILITY_SHAPE.test(value) ? value : null;
}

/** set-new/ guard: capability cookie present, then CSRF (header, or the form field as Django reads it). */
export const requireCapabilityCookie: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { config } = c.var.deps;
  if (!presentedCapability(c)) {
    throw new ApiError(401, { detail: "Authentication credentials were not provided." }, { "WWW-Authenticate": "Cookie" });
  }
  if (config.passwordResetCookieCsrf) await enforceCsrf(c, config);
  await next();
};
