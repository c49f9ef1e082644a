// Conformance cases of the account endpoints (user, profile, dashboard, history, e-mail change) and the sessions ones.
import { cookieHeader, cookieLogin } from "../cookie-jar";
import { call, type CallResult, loggedIn, newIdentity } from "../helpers";
import { BAD_TOKEN, type Case, type CaseTable, COOKIE_CSRF, familyOf, LEGACY_PREFIX } from "./case";

/** As a fresh logged-in user. */
const asUser = (method: string, path: string, body?: unknown) => async (env: Record<string, string>): Promise<CallResult> =>
  call(method, path, { body, token: (await loggedIn("conf", env)).access, env });

/** The 401s every protected operation gives: no credentials, a bad token, a malformed Authorization header. */
function unauthenticated(method: string, path: string, body?: unknown): Case[] {
  return [
    { name: "no token", status: 401, send: (env) => call(method, path, { body, env }) },
    { name: "bad token", status: 401, send: (env) => call(method, path, { body, token: BAD_TOKEN, env }) },
    { name: "Authorization with three parts", status: 401, send: (env) => call(method, path, { body, headers: { authorization: "Bearer a b" }, env }) },
  ];
}

/** Access cookie without the X-CSRFToken header, on an unsafe method (cookie mode with JWT_AUTH_COOKIE_USE_CSRF). */
const cookieWithoutCsrf = (method: string, path: string, body: unknown): Case => ({
  name: "access cookie without the CSRF header",
  status: 403,
  env: COOKIE_CSRF,
  send: async (env) => call(method, path, { body, headers: { cookie: cookieHeader((await cookieLogin(env, "conf")).cookies) }, env }),
});

const BAD_PROFILE = { profile_img: "not a url" };
const PROFILE = { country: "NL", bio: "Hello" };

export const accountCases: CaseTable = {
  getUser: { bad: unauthenticated("GET", "/auth/user/"), good: [{ name: "signed in", status: 200, send: asUser("GET", "/auth/user/") }] },
  replaceUser: {
    bad: [...unauthenticated("PUT", "/auth/user/", {}), { name: "no username", status: 400, send: asUser("PUT", "/auth/user/", { first_name: "A" }) }],
    good: [{ name: "new names", status: 200, send: asUser("PUT", "/auth/user/", { username: newIdentity("conf").username, first_name: "A", last_name: "B" }) }],
  },
  updateUser: {
    bad: [
      ...unauthenticated("PATCH", "/auth/user/", {}),
      { name: "blank username", status: 400, send: asUser("PATCH", "/auth/user/", { username: "" }) },
      cookieWithoutCsrf("PATCH", "/auth/user/", { first_name: "A" }),
    ],
    good: [
      { name: "first name", status: 200, send: asUser("PATCH", "/auth/user/", { first_name: "A" }) },
      {
        name: "access cookie without the CSRF header, cookie mode without CSRF checks",
        status: 200,
        env: { JWT_AUTH_COOKIE: "app-access", JWT_AUTH_REFRESH_COOKIE: "app-refresh" },
        send: async (env) => call("PATCH", "/auth/user/", { body: { first_name: "A" }, headers: { cookie: cookieHeader((await cookieLogin(env, "conf")).cookies) }, env }),
      },
    ],
  },
  getProfile: {
    bad: unauthenticated("GET", "/auth/profile/"),
    good: [
      { name: "signed in", status: 200, send: asUser("GET", "/auth/profile/") },
      { name: "seed-004 path on the legacy mount", status: 200, legacy: true, send: asUser("GET", `${LEGACY_PREFIX}get/profile/`) },
    ],
  },
  replaceProfile: {
    bad: [...unauthenticated("PUT", "/auth/profile/", PROFILE), { name: "invalid image URL", status: 400, send: asUser("PUT", "/auth/profile/", BAD_PROFILE) }],
    good: [{ name: "some fields", status: 200, send: asUser("PUT", "/auth/profile/", PROFILE) }],
  },
  patchProfile: {
    bad: [...unauthenticated("PATCH", "/auth/profile/", PROFILE), { name: "invalid image URL", status: 400, send: asUser("PATCH", "/auth/profile/", BAD_PROFILE) }],
    good: [{ name: "some fields", status: 200, send: asUser("PATCH", "/auth/profile/", PROFILE) }],
  },
  postProfile: {
    bad: [...unauthenticated("POST", "/auth/profile/", PROFILE), { name: "bio too long", status: 400, send: asUser("POST", "/auth/profile/", { bio: "x".repeat(2001) }) }],
    good: [
      { name: "some fields", status: 200, send: asUser("POST", "/auth/profile/", PROFILE) },
      { name: "seed-004 path on the legacy mount", status: 200, legacy: true, send: asUser("POST", `${LEGACY_PREFIX}update/profile/`, PROFILE) },
    ],
  },
  dashboard: {
    bad: unauthenticated("GET", "/auth/dashboard/"),
    good: [
      { name: "signed in", status: 200, send: asUser("GET", "/auth/dashboard/") },
      { name: "seed-004 path on the legacy mount", status: 200, legacy: true, send: asUser("GET", `${LEGACY_PREFIX}dashboard/`) },
    ],
  },
  history: {
    bad: [
      ...unauthenticated("GET", "/auth/history/"),
      { name: "page 0", status: 404, send: asUser("GET", "/auth/history/?page=0") },
      { name: "page past the end", status: 404, send: asUser("GET", "/auth/history/?page=99") },
      { name: "page past int64", status: 404, send: asUser("GET", "/auth/history/?page=9223372036854775807") },
      { name: "negative page", status: 404, send: asUser("GET", "/auth/history/?page=-1") },
      { name: "unknown event type", status: 400, send: asUser("GET", "/auth/history/?event=nope") },
    ],
    good: [{ name: "first page, two per page", status: 200, send: asUser("GET", "/auth/history/?page=1&page_size=2") }],
  },
  emailChange: {
    bad: [
      ...unauthenticated("POST", "/auth/email/change/", {}),
      { name: "empty body", status: 400, send: asUser("POST", "/auth/email/change/", {}) },
      { name: "wrong password", status: 400, send: asUser("POST", "/auth/email/change/", { email: newIdentity("conf").email, password: "not it at all" }) },
    ],
    good: [
      {
        name: "new address and password",
        status: 200,
        send: async (env) => {
          const me = await loggedIn("conf", env);
          return call("POST", "/auth/email/change/", { body: { email: newIdentity("conf").email, password: me.password }, token: me.access, env });
        },
      },
    ],
  },
};

/** Revoking one of the user's other sessions, by either operation. */
const revokeOther = (method: "DELETE" | "POST", suffix: string): Case => ({
  name: "another session of the user",
  status: 200,
  send: async (env) => {
    const me = await loggedIn("conf", env);
    const other = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, env });
    return call(method, `/auth/sessions/${familyOf(other.body.access)}${suffix}`, { token: me.access, env });
  },
});

const revokeBad = (method: "DELETE" | "POST", suffix: string): Case[] => [
  ...unauthenticated(method, `/auth/sessions/${"0".repeat(32)}${suffix}`),
  { name: "unknown id", status: 404, send: asUser(method, `/auth/sessions/${"0".repeat(32)}${suffix}`) },
  { name: "malformed id", status: 404, send: asUser(method, `/auth/sessions/not-an-id${suffix}`) },
];

export const sessionsCases: CaseTable = {
  listSessions: { bad: unauthenticated("GET", "/auth/sessions/"), good: [{ name: "signed in", status: 200, send: asUser("GET", "/auth/sessions/") }] },
  revokeSession: { bad: revokeBad("DELETE", "/"), good: [revokeOther("DELETE", "/")] },
  revokeSessionWithPost: { bad: revokeBad("POST", "/revoke/"), good: [revokeOther("POST", "/revoke/")] },
  logoutAll: {
    bad: [
      ...unauthenticated("POST", "/auth/logout-all/", {}),
      { name: "keep_current not a boolean", status: 400, send: asUser("POST", "/auth/logout-all/", { keep_current: "maybe" }) },
      cookieWithoutCsrf("POST", "/auth/logout-all/", {}),
    ],
    good: [{ name: "keeping the current session", status: 200, send: asUser("POST", "/auth/logout-all/", { keep_current: true }) }],
  },
};
