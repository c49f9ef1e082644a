// Cookie helpers for the cookie-mode tests: read Set-Cookie lines, build Cookie headers, log in through the API.
import { call, type CallResult, registerVerified } from "./helpers";

/** Cookie mode with both JWT cookies and every other setting at its default. */
export const COOKIE_MODE = { JWT_AUTH_COOKIE: "app-access", JWT_AUTH_REFRESH_COOKIE: "app-refresh" };

/** The Set-Cookie lines of a response, by cookie name (the last line wins), plus every raw line. */
export function setCookies(response: { headers: Headers }) {
  const raw = (response.headers as Headers & { getSetCookie(): string[] }).getSetCookie();
  const lines: Record<string, string> = {};
  const values: Record<string, string> = {};
  for (const line of raw) {
    const [pair] = line.split(";");
    const name = pair!.slice(0, pair!.indexOf("="));
    lines[name] = line;
    values[name] = pair!.slice(name.length + 1);
  }
  return { raw, lines, values };
}

/** A `Cookie` request header from name -> value (undefined values are left out). */
export function cookieHeader(cookies: Record<string, string | undefined>): string {
  return Object.entries(cookies)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${value}`)
    .join("; ");
}

/** A verified user logged in under `env`: the login response and the cookies it set. */
export async function cookieLogin(env: Record<string, string>, prefix = "cookie") {
  const me = await registerVerified(prefix, env);
  const login: CallResult = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, env });
  if (login.status !== 200) throw new Error(`login failed: ${login.text}`);
  return { ...me, login, cookies: setCookies(login).values };
}

/** Expected Expires attribute for a JWT `exp` (Unix seconds). */
export const expiresAt = (exp: number) => new Date(exp * 1000).toUTCString();

export const EXPIRED = "Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=Lax";
