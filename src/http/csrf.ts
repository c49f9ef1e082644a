// Django-style double-submit CSRF: the X-CSRFToken header (or form field) must equal the csrftoken cookie.
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { Config } from "../config";
import { constantTimeEqual, randomString, utf8 } from "../crypto/bytes";
import { detailError } from "./errors";

const CSRF_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

const csrfFailed = (reason: string) => detailError(403, `CSRF Failed: ${reason}`);

/** Throws the contract's 403 unless Origin (when sent) is trusted and header/field equals the cookie. */
export function checkCsrf(c: Context, config: Config, formToken?: unknown): void {
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    const apiOrigins = new Set([new URL(c.req.url).origin, new URL(config.publicBaseUrl).origin]);
    if (!apiOrigins.has(origin) && !config.csrfTrustedOrigins.has(origin)) {
      throw csrfFailed(`Origin checking failed - ${origin} does not match any trusted origins.`);
    }
  }
  const cookie = getCookie(c, config.csrfCookieName);
  if (!cookie) throw csrfFailed("CSRF cookie not set.");
  const presented = c.req.header(config.csrfHeaderName) ?? (typeof formToken === "string" ? formToken : undefined);
  if (!presented) throw csrfFailed("CSRF token missing.");
  if (!constantTimeEqual(utf8(presented), utf8(cookie))) throw csrfFailed("CSRF token incorrect.");
}

/** Issues a fresh csrftoken cookie (readable by scripts, by design of double-submit). */
export function issueCsrfCookie(c: Context, config: Config, cookieAttributes: { secure: boolean; sameSite: "Lax" | "Strict" | "None" }): void {
  setCookie(c, config.csrfCookieName, randomString(32, CSRF_ALPHABET), {
    path: "/",
    secure: cookieAttributes.secure,
    sameSite: cookieAttributes.sameSite,
    httpOnly: false,
    maxAge: 31_449_600, // Django's CSRF_COOKIE_AGE: one year
    ...(config.csrfCookieDomain ? { domain: config.csrfCookieDomain } : {}),
  });
}
