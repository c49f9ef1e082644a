// Cookie mode (contract §1.7, dj-rest-auth's jwt_auth.py): writing, reading and expiring the JWT cookies.
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { Config } from "../config";
import type { TokenPair } from "../core/tokens";
import type { AppEnv } from "./context";
import { issueCsrfCookie } from "./csrf";

/** The configured cookies with their paths; empty when cookie mode is off. */
function jwtCookies(config: Config): Array<{ name: string; path: string; kind: "access" | "refresh" }> {
  const { access, refresh, refreshPath } = config.jwtCookie;
  return [
    ...(access ? [{ name: access, path: "/", kind: "access" as const }] : []),
    ...(refresh ? [{ name: refresh, path: refreshPath, kind: "refresh" as const }] : []),
  ];
}

function attributes(config: Config) {
  const { secure, httpOnly, sameSite, domain } = config.jwtCookie;
  return { secure, httpOnly, sameSite, ...(domain ? { domain } : {}) };
}

/**
 * Login, registration-with-tokens and refresh: each configured cookie, expiring with its token, plus
 * the csrftoken. A new session gets a new csrftoken (Django rotates it at login); a refresh re-issues
 * the one presented, so overlapping refreshes cannot leave an app holding a token its cookie no longer has.
 */
export function setJwtCookies(c: Context, config: Config, tokens: TokenPair, { newSession }: { newSession: boolean }): void {
  const cookies = jwtCookies(config);
  if (cookies.length === 0) return;
  for (const { name, path, kind } of cookies) {
    const [value, exp] = kind === "access" ? [tokens.access, tokens.accessExp] : [tokens.refresh, tokens.refreshExp];
    setCookie(c, name, value, { ...attributes(config), path, expires: new Date(exp * 1000) });
  }
  issueCsrfCookie(c, config, config.jwtCookie, { keepPresented: !newSession });
}

/** Logout: expires the configured cookies (same path and domain, or the browser keeps them). */
export function expireJwtCookies(c: Context, config: Config): void {
  for (const { name, path } of jwtCookies(config)) {
    setCookie(c, name, "", { ...attributes(config), path, maxAge: 0, expires: new Date(0) });
  }
}

/**
 * logout/ and logout-all/: a 401 means the session is gone or unusable, so the browser should drop
 * its cookies as well (dj-rest-auth expires them whatever the outcome). Successes expire in the handler.
 */
export const expireJwtCookiesOn401: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.res.status === 401) expireJwtCookies(c, c.var.deps.config);
};

/** The access cookie's value, or null when cookie mode has no access cookie or it is absent/empty. */
export function accessTokenCookie(c: Context, config: Config): string | null {
  const name = config.jwtCookie.access;
  return (name && getCookie(c, name)) || null;
}

/** refresh/ and logout/: the body's `refresh` when non-empty, else the refresh cookie. */
export function presentedRefreshToken(c: Context, config: Config, fromBody: string | undefined): string | null {
  if (fromBody) return fromBody;
  const name = config.jwtCookie.refresh;
  return (name && getCookie(c, name)) || null;
}
