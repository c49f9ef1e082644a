// POST logout/ (bearer optional; GET only with ACCOUNT_LOGOUT_ON_GET); in cookie mode the cookies are expired.
import type { Context, Hono } from "hono";
import * as z from "zod/mini";
import { logoutWithRefreshToken } from "../core/tokens";
import { optionalAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { detailError, tokenNotValid } from "../http/errors";
import { expireJwtCookies, expireJwtCookiesOn401, presentedRefreshToken } from "../http/jwt-cookies";
import { endpoint } from "../http/routing";
import { charField, lazySchema, validBody, validateBody } from "../http/validation";

const logoutBody = lazySchema(() => z.object({ refresh: z.optional(charField({ allowBlank: true, trim: false })) }));

async function logout(c: Context<AppEnv>) {
  const { deps, caller } = c.var;
  const body = c.req.method === "GET" ? {} : validBody(c, logoutBody);
  const refresh = presentedRefreshToken(c, deps.config, body.refresh);
  if (!refresh) {
    // dj-rest-auth names where it looked: the cookie when the refresh token never reaches scripts.
    throw detailError(401, `Refresh token was not included in ${deps.config.jwtCookie.httpOnly ? "cookie" : "request"} data.`);
  }
  if (!(await logoutWithRefreshToken(deps, refresh, caller?.user.id ?? null))) throw tokenNotValid();
  expireJwtCookies(c, deps.config);
  return c.json({ detail: "Successfully logged out." }, 200);
}

export function logoutRoutes(app: Hono<AppEnv>, logoutOnGet: boolean): void {
  endpoint(app, "/logout", {
    POST: [expireJwtCookiesOn401, optionalAuth, validateBody(logoutBody), logout],
    ...(logoutOnGet ? { GET: [expireJwtCookiesOn401, optionalAuth, logout] } : {}),
  });
}
