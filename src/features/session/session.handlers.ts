// Handlers of the session endpoints, one per declaration in session.routes.ts.
import type { Context } from "hono";
import type { Deps } from "../../core/deps";
import type { Authenticated } from "../../http/context";
import type { EndpointHandler } from "../../http/endpoint";
import { detailError, throttled, tokenInvalidOrExpired } from "../../http/errors";
import { issueCsrfCookie } from "../../http/csrf";
import { expireJwtCookies, presentedRefreshToken, setJwtCookies } from "../../http/jwt-cookies";
import { refreshResponse, tokenResponse } from "../../http/shapes";
import { logoutWithRefreshToken, rotateRefreshToken, verifyAnyToken } from "../../core/tokens";
import type * as routes from "./session.routes";
import { login as passwordLogin } from "./session.service";

/** What mfa/authenticate/ accepts in `code` (contract §2.7.6). */
const MFA_METHODS = ["totp", "recovery_code"];

export const login: EndpointHandler<typeof routes.login> = async (c) => {
  const { body, deps } = c.var;
  const result = await passwordLogin(deps, { username: body.username, email: body.email, password: body.password });
  // The account's budget or lockout: the same answer whether or not the account exists.
  if ("retryAfterSeconds" in result) throw throttled(result.retryAfterSeconds);
  if ("mfaTicket" in result) return c.json({ mfa_required: true as const, ephemeral_token: result.mfaTicket, methods: MFA_METHODS }, 200);
  setJwtCookies(c, deps.config, result.tokens, { newSession: true });
  return c.json(tokenResponse(deps.config, result.user, result.tokens), 200);
};

/** Both logout forms: the refresh token from the body (POST) or else the refresh cookie. */
async function endSession(c: Context, deps: Deps, caller: Authenticated | null, fromBody: string | undefined) {
  const refresh = presentedRefreshToken(c, deps.config, fromBody);
  if (!refresh) {
    // dj-rest-auth names where it looked: the cookie when the refresh token never reaches scripts.
    throw detailError(401, `Refresh token was not included in ${deps.config.jwtCookie.httpOnly ? "cookie" : "request"} data.`);
  }
  if (!(await logoutWithRefreshToken(deps, refresh, caller?.user.id ?? null))) throw tokenInvalidOrExpired();
  expireJwtCookies(c, deps.config);
  return c.json({ detail: "Successfully logged out." }, 200);
}

export const logout: EndpointHandler<typeof routes.logout> = (c) => endSession(c, c.var.deps, c.var.caller, c.var.body.refresh);

export const logoutWithGet: EndpointHandler<typeof routes.logoutWithGet> = (c) => endSession(c, c.var.deps, c.var.caller, undefined);

export const tokenRefresh: EndpointHandler<typeof routes.tokenRefresh> = async (c) => {
  const { deps, body } = c.var;
  const token = presentedRefreshToken(c, deps.config, body.refresh);
  if (!token) throw detailError(401, "No valid refresh token found.", { code: "token_not_valid" });
  const result = await rotateRefreshToken(deps, token);
  if (!result.ok) {
    if (result.reason === "no_active_account") {
      throw detailError(401, "No active account found for the given token.", { code: "no_active_account" });
    }
    if (result.reason === "session_expired") {
      throw detailError(401, "Session reached its maximum lifetime. Please log in again", { code: "session_expired" });
    }
    throw tokenInvalidOrExpired();
  }
  setJwtCookies(c, deps.config, result.tokens, { newSession: false });
  return c.json(refreshResponse(deps.config, result.tokens), 200);
};

export const tokenVerify: EndpointHandler<typeof routes.tokenVerify> = async (c) => {
  if (!(await verifyAnyToken(c.var.deps, c.var.body.token))) throw tokenInvalidOrExpired();
  return c.json({}, 200);
};

export const csrfCookie: EndpointHandler<typeof routes.csrfCookie> = (c) => {
  const { config } = c.var.deps;
  // Same SameSite/Secure as the JWT cookies: it must travel wherever they do.
  issueCsrfCookie(c, config, config.jwtCookie);
  return c.json({ detail: "CSRF cookie set." }, 200);
};
