// Django-style double-submit CSRF: the X-CSRFToken header (or form field) must equal the csrftoken cookie.
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { Config, SameSite } from "../config";
import { constantTimeEqual, randomString, utf8 } from "../crypto/bytes";
import type { AppEnv } from "./context";
import { detailError } from "./errors";
import { parseRequestBody } from "./validation";

const CSRF_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const CSRF_TOKEN = /^[A-Za-z0-9]{32}$/;
const FORM_TYPES = /^(multipart\/form-data|application\/x-www-form-urlencoded)/i;

/** The methods CSRF protects (Django: everything but GET, HEAD, OPTIONS, TRACE). */
export const isUnsafeMethod = (method: string): boolean => !["GET", "HEAD", "OPTIONS", "TRACE"].includes(method.toUpperCase());

/** The contract's 403 (§1.7). */
export const csrfFailed = (reason: string) => detailError(403, `CSRF Failed: ${reason}`);

function isTrustedOrigin(c: Context, config: Config, origin: string): boolean {
  // An origin CORS_ALLOWED_ORIGINS lets make credentialed requests and read their answers (the
  // csrftoken included) is trusted here too: listing it twice was a trap, not a safeguard.
  return (
    origin === new URL(c.req.url).origin ||
    origin === new URL(config.publicBaseUrl).origin ||
    config.csrfTrustedOrigins.has(origin) ||
    config.corsAllowedOrigins.includes(origin)
  );
}

/**
 * Throws the contract's 403 unless the request comes from the API's own origin or a trusted one: its
 * Origin header, or, when a browser sent none (older ones on same-origin POSTs, some navigations), its
 * Referer's origin (Django's wording for both). A request with neither is let through: that is a
 * client that is not a browser, which no cross-site page can drive.
 */
function checkOrigin(c: Context, config: Config): void {
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    if (!isTrustedOrigin(c, config, origin)) throw csrfFailed(`Origin checking failed - ${origin} does not match any trusted origins.`);
    return;
  }
  const referer = c.req.header("referer");
  if (referer === undefined) return;
  let refererOrigin: string;
  try {
    refererOrigin = new URL(referer).origin;
  } catch {
    throw csrfFailed("Referer checking failed - Referer is malformed.");
  }
  if (!isTrustedOrigin(c, config, refererOrigin)) throw csrfFailed(`Referer checking failed - ${referer} does not match any trusted origins.`);
}

/** Throws the contract's 403 unless the request's origin is trusted and header/field equals the cookie; returns the token. */
function checkCsrf(c: Context, config: Config, formToken?: unknown): string {
  checkOrigin(c, config);
  const cookie = getCookie(c, config.csrfCookieName);
  if (!cookie) throw csrfFailed("CSRF cookie not set.");
  const presented = c.req.header(config.csrfHeaderName) ?? (typeof formToken === "string" ? formToken : undefined);
  if (!presented) throw csrfFailed("CSRF token missing.");
  if (!constantTimeEqual(utf8(presented), utf8(cookie))) throw csrfFailed("CSRF token incorrect.");
  return presented;
}

/**
 * checkCsrf, reading the `csrfmiddlewaretoken` form field (as Django does) when the header is absent.
 * Returns the token that passed, for checks that bind it to something more (the reset capability).
 */
export async function enforceCsrf(c: Context, config: Config): Promise<string> {
  let formToken: unknown;
  if (!c.req.header(config.csrfHeaderName) && FORM_TYPES.test(c.req.header("content-type") ?? "")) {
    // A clone, so body validation can still read the request; same size cap, and a bad body is just "missing".
    formToken = await Promise.resolve()
      .then(() => parseRequestBody(c.req.raw.clone()))
      .then((data) => data.csrfmiddlewaretoken, () => undefined);
  }
  return checkCsrf(c, config, formToken);
}

/** Cookie mode (a JWT cookie is configured) with CSRF protection on (either flag). */
function cookieSessionsProtected(config: Config): boolean {
  const { access, refresh, useCsrf, enforceCsrfOnUnauthenticated } = config.jwtCookie;
  return Boolean(access || refresh) && (useCsrf || enforceCsrfOnUnauthenticated);
}

/**
 * Every unsafe request without an Authorization header (a browser's, which a cross-site page may have
 * forged): with JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED the whole check, login and registration
 * included (login CSRF); with JWT_AUTH_COOKIE_USE_CSRF in cookie mode, the Origin/Referer check alone,
 * so that a cross-site page can neither log a user in (login, registration, mfa/authenticate, social
 * login set cookies) nor out (logout/ with the refresh cookie alone), nor rotate the cookies. `endpoint()`
 * puts it first in every unsafe chain, so unknown paths and 405s are not affected.
 */
export const csrfOnUnauthenticated: MiddlewareHandler<AppEnv> = async (c, next) => {
  const config = c.var.deps.config;
  if (c.req.header("authorization") === undefined) {
    if (config.jwtCookie.enforceCsrfOnUnauthenticated) await enforceCsrf(c, config);
    else if (cookieSessionsProtected(config)) checkOrigin(c, config);
  }
  await next();
};

/** GET logout/ (ACCOUNT_LOGOUT_ON_GET): a link or image on another site must not end the session. */
export const originCheckOnSafeLogout: MiddlewareHandler<AppEnv> = async (c, next) => {
  const config = c.var.deps.config;
  if (cookieSessionsProtected(config) && c.req.header("authorization") === undefined) checkOrigin(c, config);
  await next();
};

/**
 * Issues a fresh csrftoken cookie (readable by scripts, by design of double-submit), and the same value
 * in the CSRF_HEADER_NAME response header: an app on another site cannot read the API's cookies, but
 * it can read that header (CORS exposes it to allowed origins only) and echo it.
 */
export function issueCsrfCookie(
  c: Context,
  config: Config,
  cookieAttributes: { secure: boolean; sameSite: SameSite },
  { keepPresented = false, value }: { keepPresented?: boolean; value?: string } = {},
): void {
  const presented = keepPresented ? getCookie(c, config.csrfCookieName) : undefined;
  const token = value ?? (presented && CSRF_TOKEN.test(presented) ? presented : randomString(32, CSRF_ALPHABET));
  c.header(config.csrfHeaderName, token);
  setCookie(c, config.csrfCookieName, token, {
    path: "/",
    secure: cookieAttributes.secure,
    sameSite: cookieAttributes.sameSite,
    httpOnly: false,
    maxAge: 31_449_600, // Django's CSRF_COOKIE_AGE: one year
    ...(config.csrfCookieDomain ? { domain: config.csrfCookieDomain } : {}),
  });
}
