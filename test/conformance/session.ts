// Conformance cases of the session endpoints: login, logout, token refresh and verify, csrf.
import { env as testEnv } from "cloudflare:test";
import { cookieHeader, cookieLogin } from "../cookie-jar";
import { call, loggedIn, registerVerified } from "../helpers";
import { BAD_TOKEN, type CaseTable, freshIp, LEGACY_PREFIX } from "./case";
import { mfaLoginCase } from "./mfa";

const LOGOUT_ON_GET = { ACCOUNT_LOGOUT_ON_GET: "true" };

const deactivate = (id: number) => testEnv.DB.prepare("update users set is_active = 0 where id = ?").bind(id).run();

export const sessionCases: CaseTable = {
  login: {
    bad: [
      { name: "empty body", status: 400, send: (env) => call("POST", "/auth/login/", { body: {}, env }) },
      { name: "malformed JSON", status: 400, send: (env) => call("POST", "/auth/login/", { rawBody: "{", headers: { "content-type": "application/json" }, env }) },
      { name: "text/plain body", status: 415, send: (env) => call("POST", "/auth/login/", { rawBody: "x=1", headers: { "content-type": "text/plain" }, env }) },
      { name: "body over 64 KiB", status: 413, send: (env) => call("POST", "/auth/login/", { body: { password: "x".repeat(70_000) }, env }) },
      {
        name: "wrong password",
        status: 400,
        send: async (env) => call("POST", "/auth/login/", { body: { username: (await registerVerified("conf", env)).username, password: "not it at all" }, env }),
      },
      {
        name: "no CSRF token with ENFORCE_CSRF_ON_UNAUTHENTICATED (no JWT cookies)",
        status: 403,
        env: { JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: "true" },
        send: (env) => call("POST", "/auth/login/", { body: { username: "nobody", password: "whatever" }, env }),
      },
      {
        name: "second request in a 1/min window",
        status: 429,
        env: { THROTTLE_ENABLED: "true", THROTTLE_RATES: '{"login":"1/min"}' },
        send: async (env) => {
          const headers = { "cf-connecting-ip": freshIp() };
          // Well-formed: malformed input spends no budget.
          const body = { username: "nobody", password: "whatever" };
          await call("POST", "/auth/login/", { body, headers, env });
          return call("POST", "/auth/login/", { body, headers, env });
        },
      },
    ],
    good: [
      {
        name: "username and password",
        status: 200,
        send: async (env) => {
          const me = await registerVerified("conf", env);
          return call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, env });
        },
      },
      {
        name: "legacy field names",
        status: 200,
        env: { JWT_RESPONSE_FIELD_STYLE: "legacy" },
        send: async (env) => {
          const me = await registerVerified("conf", env);
          return call("POST", "/auth/login/", { body: { email: me.email, password: me.password }, env });
        },
      },
      {
        name: "cookie mode with HttpOnly (refresh withheld)",
        status: 200,
        env: { JWT_AUTH_COOKIE: "app-access", JWT_AUTH_REFRESH_COOKIE: "app-refresh", JWT_AUTH_HTTPONLY: "true" },
        send: async (env) => (await cookieLogin(env, "conf")).login,
      },
      mfaLoginCase,
      {
        name: "seed-004 path on the legacy mount",
        status: 200,
        legacy: true,
        send: async (env) => {
          const me = await registerVerified("conf", env);
          return call("POST", `${LEGACY_PREFIX}login/`, { body: { email: me.email, password: me.password }, env });
        },
      },
    ],
  },

  logout: {
    bad: [
      { name: "no refresh token", status: 401, send: (env) => call("POST", "/auth/logout/", { body: {}, env }) },
      { name: "bad refresh token", status: 401, send: (env) => call("POST", "/auth/logout/", { body: { refresh: BAD_TOKEN }, env }) },
      { name: "refresh is a list", status: 400, send: (env) => call("POST", "/auth/logout/", { body: { refresh: [] }, env }) },
      {
        name: "another user's refresh token with a bearer",
        status: 401,
        send: async (env) => {
          const [me, other] = [await loggedIn("conf", env), await loggedIn("conf", env)];
          return call("POST", "/auth/logout/", { body: { refresh: other.refresh }, token: me.access, env });
        },
      },
    ],
    good: [
      { name: "own refresh token", status: 200, send: async (env) => call("POST", "/auth/logout/", { body: { refresh: (await loggedIn("conf", env)).refresh }, env }) },
    ],
  },

  logoutWithGet: {
    bad: [
      { name: "no refresh cookie", status: 401, env: LOGOUT_ON_GET, send: (env) => call("GET", "/auth/logout/", { env }) },
      {
        name: "bad refresh cookie (cookie mode)",
        status: 401,
        env: { ...LOGOUT_ON_GET, JWT_AUTH_REFRESH_COOKIE: "app-refresh" },
        send: (env) => call("GET", "/auth/logout/", { headers: { cookie: `app-refresh=${BAD_TOKEN}` }, env }),
      },
    ],
    good: [
      {
        name: "refresh cookie (cookie mode)",
        status: 200,
        env: { ...LOGOUT_ON_GET, JWT_AUTH_COOKIE: "app-access", JWT_AUTH_REFRESH_COOKIE: "app-refresh" },
        send: async (env) => {
          const { cookies } = await cookieLogin(env, "conf");
          return call("GET", "/auth/logout/", { headers: { cookie: cookieHeader(cookies) }, env });
        },
      },
    ],
  },

  tokenRefresh: {
    bad: [
      { name: "no refresh token", status: 401, send: (env) => call("POST", "/auth/token/refresh/", { body: {}, env }) },
      { name: "bad refresh token", status: 401, send: (env) => call("POST", "/auth/token/refresh/", { body: { refresh: BAD_TOKEN }, env }) },
      { name: "refresh is an object", status: 400, send: (env) => call("POST", "/auth/token/refresh/", { body: { refresh: {} }, env }) },
      {
        name: "access token instead of refresh",
        status: 401,
        send: async (env) => call("POST", "/auth/refresh/", { body: { refresh: (await loggedIn("conf", env)).access }, env }),
      },
    ],
    good: [
      { name: "current refresh token", status: 200, send: async (env) => call("POST", "/auth/token/refresh/", { body: { refresh: (await loggedIn("conf", env)).refresh }, env }) },
      {
        name: "alias refresh/ with legacy field names",
        status: 200,
        env: { JWT_RESPONSE_FIELD_STYLE: "legacy" },
        send: async (env) => {
          const me = await registerVerified("conf", env);
          const login = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, env });
          return call("POST", "/auth/refresh/", { body: { refresh: login.body.refresh_token }, env });
        },
      },
    ],
  },

  tokenVerify: {
    bad: [
      { name: "no token", status: 400, send: (env) => call("POST", "/auth/token/verify/", { body: {}, env }) },
      { name: "bad token", status: 401, send: (env) => call("POST", "/auth/token/verify/", { body: { token: BAD_TOKEN }, env }) },
      {
        name: "a deactivated user's access token",
        status: 401,
        send: async (env) => {
          const me = await loggedIn("conf", env);
          await deactivate(me.pk);
          return call("POST", "/auth/token/verify/", { body: { token: me.access }, env });
        },
      },
    ],
    good: [{ name: "access token", status: 200, send: async (env) => call("POST", "/auth/token/verify/", { body: { token: (await loggedIn("conf", env)).access }, env }) }],
  },

  csrfCookie: {
    bad: [{ name: "a bad bearer token is ignored (public endpoint)", status: 200, send: (env) => call("GET", "/auth/csrf/?x=%00", { token: BAD_TOKEN, env }) }],
    good: [{ name: "plain GET", status: 200, send: (env) => call("GET", "/auth/csrf/", { env }) }],
  },
};
