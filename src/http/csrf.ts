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

const csrfFailed = (reason: string) => detailError(403, `CSRF Failed: ${reason}`);

/** Throws the contract's 403 unless Origin (when sent) is trusted and header/field equals the cookie. */
function checkCsrf(c: Context, config: Config, formToken?: unknown): void {
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    const apiOrigins = new Set([new URL(c.req.url).origin, new URL(config.publicBaseUrl).origin]);
    // An origin CORS_ALLOWED_ORIGINS lets make credentialed requests and read their answers (the
    // csrftoken included) is trusted here too: listing it twice was a trap, not a safeguard.
    if (!apiOrigins.has(origin) && !config.csrfTrustedOrigins.has(origin) && !config.corsAllowedOrigins.includes(origin)) {
      throw csrfFailed(`Origin checking failed - ${origin} does not match any trusted origins.`);
    }
  }
  const cookie = getCookie(c, config.csrfCookieName);
  if (!cookie) throw csrfFailed("CSRF cookie not set.");
  const presented = c.req.header(config.csrfHeaderName) ?? (typeof formToken === "string" ? formToken : undefined);
  if (!presented) throw csrfFailed("CSRF token missing.");
  if (!constantTimeEqual(utf8(presented), utf8(cookie))) throw csrfFailed("CSRF token incorrect.");
}

/** checkCsrf, reading the `csrfmiddlewaretoken` form field (as Django does) when the header is absent. */
export async function enforceCsrf(c: Context, config: Config): Promise<void> {
  let formToken: unknown;
  if (!c.req.header(config.csrfHeaderName) && FORM_TYPES.test(c.req.header("content-type") ?? "")) {
    // A clone, so body validation can still read the request; same size cap, and a bad body is just "missing".
    formToken = await Promise.resolve()
      .then(() => parseRequestBody(c.req.raw.clone()))
      .then((data) => data.csrfmiddlewaretoken, () => undefined);
  }
  checkCsrf(c, config, formToken);
}

/**
 * JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: every unsafe request without an Authorization
 * header is checked, login and registration included (login CSRF). `endpoint()` puts it first in
 * every unsafe chain, so unknown paths and 405s are not affected.
 */
export const csrfOnUnauthenticated: MiddlewareHandler<AppEnv> = async (c, next) => {
  const config = c.var.deps.config;
  if (config.jwtCookie.enforceCsrfOnUnauthenticated && c.req.header("authorization") === undefined) await enforceCsrf(c, config);
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
  { keepPresented = false }: { keepPresented?: boolean } = {},
): void {
  const presented = keepPresented ? getCookie(c, config.csrfCookieName) : undefined;
  const token = presented && CSRF_TOKEN.test(presented) ? presented : randomString(32, CSRF_ALPHABET);
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
