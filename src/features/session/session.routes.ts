// Declarations of the session endpoints: login, logout, token refresh and verify, csrf (contract §2.1).
import * as z from "zod/mini";
import { declare } from "../../http/endpoint";
import { expireJwtCookiesOn401 } from "../../http/jwt-cookies";
import { detailBody, fieldErrors, json, mfaChallengeBody, tokenResponseBody, unauthorized } from "../../http/responses";
import { charField, emailField, lazySchema, usernameField } from "../../http/validation";

const tags = ["session"];
const optionalRefresh = lazySchema(() => z.object({ refresh: z.optional(charField({ allowBlank: true, trim: false })) }));
const TOKEN_INVALID = unauthorized("Token is invalid or expired (code `token_not_valid`); the cause is not told apart");
const COOKIES = { "Set-Cookie": "Cookie mode: the access and refresh cookies and the csrftoken" };

export const login = declare({
  operationId: "login",
  method: "POST",
  path: "/login",
  legacyPaths: ["/login"],
  auth: "public",
  throttle: "login",
  otherThrottles: ["login_identifier"],
  body: lazySchema(() =>
    z.object({
      username: z.optional(usernameField({ allowBlank: true })),
      email: z.optional(emailField({ allowBlank: true })),
      password: charField({ trim: false, max: 128 }),
    }),
  ),
  summary: "Log in with username or e-mail and password",
  description:
    "Starts a session (a token family). Unknown user, wrong password and inactive account get one answer. A user with TOTP gets `mfa_required` and a ticket for mfa/authenticate/ instead of tokens (no cookies, no session yet).",
  tags,
  responses: {
    200: json("TokenResponse, or the second-factor challenge", (config) => z.union([tokenResponseBody(config), mfaChallengeBody()]), COOKIES),
    400: fieldErrors("Invalid credentials (`non_field_errors`), unverified e-mail, or invalid fields"),
  },
});

const logoutDeclaration = {
  path: "/logout",
  auth: "optional",
  guards: [expireJwtCookiesOn401],
  summary: "Log out: revoke the session of the refresh token",
  description: "`refresh` from the body, else the refresh cookie. A valid access token, when sent, must own it. Cookie mode: the cookies are expired.",
  tags,
  responses: {
    200: json("Successfully logged out.", detailBody, { "Set-Cookie": "Cookie mode: the JWT cookies, expired" }),
    401: TOKEN_INVALID,
  },
} as const;

export const logout = declare({ ...logoutDeclaration, operationId: "logout", method: "POST", body: optionalRefresh });

export const logoutWithGet = declare({
  ...logoutDeclaration,
  operationId: "logoutWithGet",
  method: "GET",
  enabled: (config) => config.logoutOnGet,
  summary: "Log out with GET (ACCOUNT_LOGOUT_ON_GET)",
});

export const tokenRefresh = declare({
  operationId: "tokenRefresh",
  method: "POST",
  path: "/token/refresh",
  aliases: ["/refresh"],
  auth: "public",
  throttle: "refresh",
  body: optionalRefresh,
  summary: "Rotate a refresh token",
  description:
    "Returns a new pair; the presented token is spent. Within REFRESH_REUSE_INTERVAL the session's previous token gets the current pair again; an older one revokes the session. `refresh` from the body, else the refresh cookie.",
  tags,
  responses: {
    200: json(
      "New access (and, unless JWT_AUTH_HTTPONLY, refresh) token with expirations",
      () => z.object({ access: z.string(), access_expiration: z.optional(z.string()), access_token_expiration: z.optional(z.string()), refresh: z.optional(z.string()), refresh_expiration: z.optional(z.string()), refresh_token_expiration: z.optional(z.string()) }),
      COOKIES,
    ),
    401: unauthorized("Token is invalid or expired (`token_not_valid`), no active account (`no_active_account`), or session past SESSION_LIFETIME (`session_expired`)"),
  },
});

export const tokenVerify = declare({
  operationId: "tokenVerify",
  method: "POST",
  path: "/token/verify",
  auth: "public",
  throttle: "refresh",
  body: lazySchema(() => z.object({ token: charField({ trim: false }) })),
  summary: "Check a token",
  description:
    "200 `{}` for a valid access token, or for a refresh token that is its session's current one, of an active user; " +
    "401 for anything else, including the tokens of a deactivated or deleted user.",
  tags,
  responses: { 200: json("Valid", () => z.object({})), 401: TOKEN_INVALID },
});

export const csrfCookie = declare({
  operationId: "csrfCookie",
  method: "GET",
  path: "/csrf",
  auth: "public",
  summary: "Get a csrftoken cookie (cookie mode)",
  description: "The same value also comes in the X-CSRFToken response header, for apps on another site.",
  tags,
  responses: { 200: json("CSRF cookie set.", detailBody, { "Set-Cookie": "csrftoken", "X-CSRFToken": "The csrftoken value" }) },
});
