// Cookie mode (contract §1.7): JWT cookies on login/registration/refresh, cookie-only refresh and logout,
// HttpOnly withholding, and the access cookie as credential. Settings: cookies.config.test.ts.
import { describe, expect, it } from "vitest";
import { call, jwtPayload, loggedIn, newIdentity } from "./helpers";
import { COOKIE_MODE, cookieHeader, cookieLogin, EXPIRED, expiresAt, setCookies } from "./cookie-jar";

const HTTPONLY = { ...COOKIE_MODE, JWT_AUTH_HTTPONLY: "true" };
const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };

const refreshWith = (cookie: Record<string, string | undefined>, body: unknown = {}, overrides: Record<string, string> = COOKIE_MODE) =>
  call("POST", "/auth/token/refresh/", { body, headers: { cookie: cookieHeader(cookie) }, env: overrides });
const logoutWith = (cookie: Record<string, string | undefined>, body: unknown = {}, overrides: Record<string, string> = COOKIE_MODE) =>
  call("POST", "/auth/logout/", { body, headers: { cookie: cookieHeader(cookie) }, env: overrides });
const whoAmI = (cookie: Record<string, string | undefined>, extra: { token?: string; headers?: Record<string, string> } = {}) =>
  call("GET", "/auth/user/", { ...extra, headers: { ...extra.headers, cookie: cookieHeader(cookie) }, env: COOKIE_MODE });

function registerWithTokens(overrides: Record<string, string>) {
  const me = newIdentity("cookiereg");
  return call("POST", "/auth/registration/", {
    body: { username: me.username, email: me.email, password1: me.password, password2: me.password },
    env: { ...overrides, ACCOUNT_EMAIL_VERIFICATION: "none" },
  });
}

describe("cookie mode off (the default)", () => {
  it("sets no cookie anywhere a JWT answer is produced", async () => {
    const me = await loggedIn("nocookie");
    const login = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
    const refreshed = await call("POST", "/auth/token/refresh/", { body: { refresh: login.body.refresh } });
    const registered = await registerWithTokens({});
    const logout = await call("POST", "/auth/logout/", { body: { refresh: me.refresh } });
    const logoutAll = await call("POST", "/auth/logout-all/", { token: refreshed.body.access });
    const missing = await call("POST", "/auth/logout/", { body: {} });
    for (const response of [login, refreshed, registered, logoutAll, logout, missing]) expect(setCookies(response).raw).toEqual([]);
    expect([login.status, refreshed.status, registered.status, logoutAll.status, logout.status, missing.status]).toEqual([200, 200, 201, 200, 200, 401]);
    expect(login.body.refresh).toMatch(/^ey/);
  });

  it("ignores a would-be access cookie: only the Bearer header authenticates", async () => {
    const me = await loggedIn("nocookie");
    const response = await call("GET", "/auth/user/", { headers: { cookie: `app-access=${me.access}` } });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ detail: "Authentication credentials were not provided." });
  });
});

describe("JWT cookies on login, registration and refresh", () => {
  it("login sets the access cookie (Path /), the refresh cookie and a csrftoken, with the default attributes", async () => {
    const { login } = await cookieLogin(COOKIE_MODE);
    const { access, refresh } = login.body;
    const { lines, raw } = setCookies(login);
    expect(raw).toHaveLength(3);
    expect(lines["app-access"]).toBe(`app-access=${access}; Path=/; Expires=${expiresAt(jwtPayload(access).exp)}; Secure; SameSite=Lax`);
    expect(lines["app-refresh"]).toBe(`app-refresh=${refresh}; Path=/; Expires=${expiresAt(jwtPayload(refresh).exp)}; Secure; SameSite=Lax`);
    expect(lines.csrftoken).toMatch(/^csrftoken=[A-Za-z0-9]{32}; Max-Age=31449600; Path=\/; Secure; SameSite=Lax$/);
    // Body mode stays intact: the tokens are in the body too.
    expect(refresh).toMatch(/^ey/);
    expect(Object.keys(login.body)).toEqual(["access", "refresh", "user", "access_expiration", "refresh_expiration"]);
  });

  it("takes HttpOnly, Secure, SameSite, Domain, the refresh path and the csrftoken domain from the settings", async () => {
    const overrides = {
      ...COOKIE_MODE,
      JWT_AUTH_HTTPONLY: "true",
      JWT_AUTH_SECURE: "false",
      JWT_AUTH_SAMESITE: "Strict",
      JWT_AUTH_COOKIE_DOMAIN: "example.test",
      JWT_AUTH_REFRESH_COOKIE_PATH: "/auth/token/refresh/",
      CSRF_COOKIE_DOMAIN: ".example.test",
    };
    const { login, cookies } = await cookieLogin(overrides);
    const accessExp = expiresAt(jwtPayload(login.body.access).exp);
    const refreshExp = expiresAt(jwtPayload(cookies["app-refresh"]!).exp);
    const { lines } = setCookies(login);
    expect(lines["app-access"]).toBe(`app-access=${login.body.access}; Domain=example.test; Path=/; Expires=${accessExp}; HttpOnly; SameSite=Strict`);
    expect(lines["app-refresh"]).toBe(`app-refresh=${cookies["app-refresh"]}; Domain=example.test; Path=/auth/token/refresh/; Expires=${refreshExp}; HttpOnly; SameSite=Strict`);
    // Never HttpOnly: the frontend must read it to echo it in X-CSRFToken.
    expect(lines.csrftoken).toMatch(/^csrftoken=[A-Za-z0-9]{32}; Max-Age=31449600; Domain=\.example\.test; Path=\/; SameSite=Strict$/);
  });

  it("sets only the cookie that is configured", async () => {
    const { login } = await cookieLogin({ JWT_AUTH_COOKIE: "only-access" });
    expect(Object.keys(setCookies(login).lines)).toEqual(["only-access", "csrftoken"]);
    const second = await cookieLogin({ JWT_AUTH_REFRESH_COOKIE: "only-refresh" });
    expect(Object.keys(setCookies(second.login).lines)).toEqual(["only-refresh", "csrftoken"]);
  });

  it("registration with tokens (verification optional/none) sets the cookies too", async () => {
    const registered = await registerWithTokens(COOKIE_MODE);
    expect(registered.status).toBe(201);
    const { lines, values } = setCookies(registered);
    expect(values["app-access"]).toBe(registered.body.access);
    expect(values["app-refresh"]).toBe(registered.body.refresh);
    expect(lines["app-refresh"]).toContain(`Expires=${expiresAt(jwtPayload(registered.body.refresh).exp)}`);
    expect(values.csrftoken).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it("mandatory verification answers without cookies (no tokens, no session)", async () => {
    const me = newIdentity("cookiereg");
    const registered = await call("POST", "/auth/registration/", {
      body: { username: me.username, email: me.email, password1: me.password, password2: me.password },
      env: COOKIE_MODE,
    });
    expect(registered.body).toEqual({ detail: "Verification e-mail sent." });
    expect(setCookies(registered).raw).toEqual([]);
  });

  it("refresh rotates both cookies and reissues the csrftoken", async () => {
    const { cookies } = await cookieLogin(COOKIE_MODE);
    const refreshed = await refreshWith({ "app-refresh": cookies["app-refresh"] });
    expect(refreshed.status).toBe(200);
    const next = setCookies(refreshed);
    expect(next.values["app-access"]).toBe(refreshed.body.access);
    expect(next.values["app-refresh"]).toBe(refreshed.body.refresh);
    expect(next.values["app-refresh"]).not.toBe(cookies["app-refresh"]);
    expect(next.lines["app-access"]).toBe(`app-access=${refreshed.body.access}; Path=/; Expires=${expiresAt(jwtPayload(refreshed.body.access).exp)}; Secure; SameSite=Lax`);
    expect(next.values.csrftoken).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(next.values.csrftoken).not.toBe(cookies.csrftoken);
  });

  it("refresh re-issues the csrftoken it was sent (overlapping refreshes agree on it); login rotates it", async () => {
    const { cookies, username, password } = await cookieLogin(COOKIE_MODE);
    const sent = { "app-refresh": cookies["app-refresh"], csrftoken: cookies.csrftoken };
    const [one, two] = await Promise.all([refreshWith(sent), refreshWith(sent)]);
    expect(setCookies(one!).values.csrftoken).toBe(cookies.csrftoken);
    expect(setCookies(two!).values.csrftoken).toBe(cookies.csrftoken);
    expect(one!.headers.get("x-csrftoken")).toBe(cookies.csrftoken);
    // A malformed one is replaced, never echoed.
    const odd = await refreshWith({ "app-refresh": setCookies(one!).values["app-refresh"], csrftoken: "x;y" });
    expect(setCookies(odd).values.csrftoken).toMatch(/^[A-Za-z0-9]{32}$/);
    const again = await call("POST", "/auth/login/", {
      body: { username, password },
      headers: { cookie: cookieHeader({ csrftoken: cookies.csrftoken }) },
      env: COOKIE_MODE,
    });
    expect(setCookies(again).values.csrftoken).not.toBe(cookies.csrftoken);
  });
});

describe("JWT_AUTH_HTTPONLY=true withholds the refresh token from bodies", () => {
  it("login answers refresh \"\" (legacy refresh_token \"\") and keeps the expiration", async () => {
    const { login, cookies } = await cookieLogin(HTTPONLY);
    expect(login.body.refresh).toBe("");
    expect(login.body.refresh_expiration).toMatch(/Z$/);
    expect(jwtPayload(cookies["app-refresh"]!).token_type).toBe("refresh");
    expect(setCookies(login).lines["app-refresh"]).toContain("; HttpOnly; Secure; SameSite=Lax");

    const legacy = await cookieLogin({ ...HTTPONLY, JWT_RESPONSE_FIELD_STYLE: "legacy" });
    expect(legacy.login.body.refresh_token).toBe("");
    expect(legacy.login.body.access_token).toBe(legacy.cookies["app-access"]);
  });

  it("registration with tokens answers refresh \"\"", async () => {
    const registered = await registerWithTokens(HTTPONLY);
    expect(registered.body.refresh).toBe("");
    expect(jwtPayload(setCookies(registered).values["app-refresh"]!).token_type).toBe("refresh");
  });

  it("refresh/ leaves refresh and refresh_expiration out of its body, in both field styles", async () => {
    const { cookies } = await cookieLogin(HTTPONLY);
    const refreshed = await refreshWith({ "app-refresh": cookies["app-refresh"] }, {}, HTTPONLY);
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.body)).toEqual(["access", "access_expiration"]);
    const rotated = setCookies(refreshed).values["app-refresh"]!;
    expect(jwtPayload(rotated).fam).toBe(jwtPayload(cookies["app-refresh"]!).fam);

    const legacyEnv = { ...HTTPONLY, JWT_RESPONSE_FIELD_STYLE: "legacy" };
    const legacy = await refreshWith({ "app-refresh": rotated }, {}, legacyEnv);
    expect(Object.keys(legacy.body)).toEqual(["access", "access_token_expiration"]);
  });
});

describe("refresh/ and logout/ read the refresh cookie", () => {
  it("refresh: the body's refresh wins when non-empty, the cookie otherwise", async () => {
    const { cookies, login } = await cookieLogin(COOKIE_MODE);
    // Blank body field: the cookie is used.
    const fromCookie = await refreshWith({ "app-refresh": cookies["app-refresh"] }, { refresh: "" });
    expect(fromCookie.status).toBe(200);
    // A garbage body token is not rescued by a good cookie.
    const garbage = await refreshWith({ "app-refresh": fromCookie.body.refresh }, { refresh: "garbage" });
    expect(garbage.status).toBe(401);
    expect(garbage.body).toEqual(INVALID);
    // A good body token wins over a garbage cookie.
    const fromBody = await refreshWith({ "app-refresh": "garbage" }, { refresh: fromCookie.body.refresh });
    expect(fromBody.status).toBe(200);
    // The same works on the refresh/ alias and through the reuse detection.
    const reused = await call("POST", "/auth/refresh/", { headers: { cookie: `app-refresh=${login.body.refresh}` }, env: COOKIE_MODE });
    expect(reused.status).toBe(401);
    expect((await refreshWith({ "app-refresh": fromBody.body.refresh })).status).toBe(401);
  });

  it("refresh without a body token or cookie: 401 No valid refresh token found.", async () => {
    const response = await refreshWith({});
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ detail: "No valid refresh token found.", code: "token_not_valid" });
    // The cookie is read only when it is configured.
    const { cookies } = await cookieLogin(COOKIE_MODE);
    expect((await refreshWith({ "app-refresh": cookies["app-refresh"] }, {}, {})).status).toBe(401);
  });

  it("logout with the refresh cookie alone: 200, both cookies expired, the session ended", async () => {
    const { cookies } = await cookieLogin(COOKIE_MODE);
    const response = await logoutWith({ "app-refresh": cookies["app-refresh"] });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "Successfully logged out." });
    const { lines } = setCookies(response);
    expect(lines["app-access"]).toBe(`app-access=; ${EXPIRED}`);
    expect(lines["app-refresh"]).toBe(`app-refresh=; ${EXPIRED}`);
    expect((await refreshWith({ "app-refresh": cookies["app-refresh"] })).status).toBe(401);
    expect((await whoAmI({ "app-access": cookies["app-access"] })).status).toBe(401);
  });

  it("logout expires the cookies on its 401s too, with the right detail per mode", async () => {
    const missing = await logoutWith({});
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ detail: "Refresh token was not included in request data." });
    expect(setCookies(missing).lines["app-access"]).toBe(`app-access=; ${EXPIRED}`);
    expect(setCookies(missing).lines["app-refresh"]).toBe(`app-refresh=; ${EXPIRED}`);

    const missingHttpOnly = await logoutWith({}, {}, HTTPONLY);
    expect(missingHttpOnly.body).toEqual({ detail: "Refresh token was not included in cookie data." });
    expect(setCookies(missingHttpOnly).lines["app-refresh"]).toBe(`app-refresh=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax`);

    const invalid = await logoutWith({ "app-refresh": "garbage" });
    expect(invalid.status).toBe(401);
    expect(invalid.body).toEqual(INVALID);
    expect(Object.keys(setCookies(invalid).lines)).toEqual(["app-access", "app-refresh"]);
  });

  it("GET logout/ (ACCOUNT_LOGOUT_ON_GET) works from the cookies alone", async () => {
    const overrides = { ...COOKIE_MODE, ACCOUNT_LOGOUT_ON_GET: "true" };
    const { cookies } = await cookieLogin(overrides);
    const response = await call("GET", "/auth/logout/", { headers: { cookie: cookieHeader(cookies) }, env: overrides });
    expect(response.status).toBe(200);
    expect(Object.keys(setCookies(response).lines)).toEqual(["app-access", "app-refresh"]);
    expect((await refreshWith({ "app-refresh": cookies["app-refresh"] })).status).toBe(401);
  });

  it("logout expires cookies at the configured path and domain, so the browser drops them", async () => {
    const overrides = { ...COOKIE_MODE, JWT_AUTH_REFRESH_COOKIE_PATH: "/auth/", JWT_AUTH_COOKIE_DOMAIN: "example.test" };
    const { cookies } = await cookieLogin(overrides);
    const response = await logoutWith({}, { refresh: cookies["app-refresh"] }, overrides);
    expect(response.status).toBe(200);
    expect(setCookies(response).lines["app-refresh"]).toBe(
      "app-refresh=; Max-Age=0; Domain=example.test; Path=/auth/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=Lax",
    );
  });

  it("logout checks the refresh cookie belongs to the access cookie's user", async () => {
    const alice = await cookieLogin(COOKIE_MODE, "alice");
    const bob = await cookieLogin(COOKIE_MODE, "bob");
    const response = await logoutWith({ "app-access": alice.cookies["app-access"], "app-refresh": bob.cookies["app-refresh"] });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(INVALID);
    expect((await logoutWith({ "app-access": bob.cookies["app-access"], "app-refresh": bob.cookies["app-refresh"] })).status).toBe(200);
  });
});

describe("logout-all/ and the cookies", () => {
  it("expires both cookies, authenticated by the access cookie", async () => {
    const { cookies } = await cookieLogin(COOKIE_MODE);
    const response = await call("POST", "/auth/logout-all/", { headers: { cookie: cookieHeader(cookies) }, env: COOKIE_MODE });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "Successfully logged out from all devices." });
    expect(setCookies(response).lines["app-access"]).toBe(`app-access=; ${EXPIRED}`);
    expect(setCookies(response).lines["app-refresh"]).toBe(`app-refresh=; ${EXPIRED}`);
  });

  it("keeps them with keep_current, and expires them on its 401", async () => {
    const { cookies } = await cookieLogin(COOKIE_MODE);
    const kept = await call("POST", "/auth/logout-all/", { body: { keep_current: true }, token: cookies["app-access"], env: COOKIE_MODE });
    expect(kept.status).toBe(200);
    expect(setCookies(kept).raw).toEqual([]);
    const unauthenticated = await call("POST", "/auth/logout-all/", { env: COOKIE_MODE });
    expect(unauthenticated.status).toBe(401);
    expect(Object.keys(setCookies(unauthenticated).lines)).toEqual(["app-access", "app-refresh"]);
  });
});

describe("the access cookie as credential (§1.3)", () => {
  it("authenticates protected endpoints when no Authorization header is sent", async () => {
    const { cookies, username } = await cookieLogin(COOKIE_MODE);
    const response = await whoAmI({ "app-access": cookies["app-access"] });
    expect(response.status).toBe(200);
    expect(response.body.username).toBe(username);
    // Another scheme counts as no header (§1.3), so the cookie is used.
    expect((await whoAmI({ "app-access": cookies["app-access"] }, { headers: { authorization: "Token abc" } })).status).toBe(200);
  });

  it("the header wins when both are present", async () => {
    const alice = await cookieLogin(COOKIE_MODE, "alice");
    const bob = await cookieLogin(COOKIE_MODE, "bob");
    const both = await whoAmI({ "app-access": alice.cookies["app-access"] }, { token: bob.login.body.access });
    expect(both.body.username).toBe(bob.username);
    const badHeader = await whoAmI({ "app-access": alice.cookies["app-access"] }, { token: "garbage" });
    expect(badHeader.status).toBe(401);
    expect(badHeader.body.code).toBe("token_not_valid");
  });

  it("an invalid, revoked or refresh-type cookie gets the protected endpoints' 401", async () => {
    const { cookies } = await cookieLogin(COOKIE_MODE);
    for (const value of ["garbage", cookies["app-refresh"]]) {
      const response = await whoAmI({ "app-access": value });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
      expect(response.body.detail).toBe("Given token not valid for any token type");
    }
    expect((await whoAmI({ "app-access": "" })).body).toEqual({ detail: "Authentication credentials were not provided." });
    await logoutWith({ "app-refresh": cookies["app-refresh"] });
    expect((await whoAmI({ "app-access": cookies["app-access"] })).status).toBe(401);
  });

  it("public endpoints keep ignoring credentials, cookies included", async () => {
    const { cookies, username, password } = await cookieLogin(COOKIE_MODE);
    const headers = { cookie: cookieHeader({ "app-access": "garbage", "app-refresh": "garbage" }) };
    expect((await call("POST", "/auth/login/", { body: { username, password }, headers, env: COOKIE_MODE })).status).toBe(200);
    expect((await call("POST", "/auth/token/verify/", { body: { token: cookies["app-access"] }, headers, env: COOKIE_MODE })).status).toBe(200);
    expect((await call("POST", "/auth/password/reset/", { body: { email: "x@example.com" }, headers, env: COOKIE_MODE })).status).toBe(200);
  });
});
