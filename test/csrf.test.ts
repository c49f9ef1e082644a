// Cookie-mode CSRF (contract §1.7, §2.1.6): GET csrf/, JWT_AUTH_COOKIE_USE_CSRF on cookie-authenticated
// unsafe requests, JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED on every header-less one, the Origin check.
import { describe, expect, it } from "vitest";
import { call, newIdentity } from "./helpers";
import { COOKIE_MODE, cookieHeader, cookieLogin, setCookies } from "./cookie-jar";

const USE_CSRF = { ...COOKIE_MODE, JWT_AUTH_COOKIE_USE_CSRF: "true" };
const ENFORCE = { ...COOKIE_MODE, JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: "true" };
const FAILED = {
  cookie: { detail: "CSRF Failed: CSRF cookie not set." },
  missing: { detail: "CSRF Failed: CSRF token missing." },
  incorrect: { detail: "CSRF Failed: CSRF token incorrect." },
  origin: { detail: "CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins." },
};

interface Sent {
  cookies: Record<string, string | undefined>;
  csrf?: string;
  origin?: string;
  body?: unknown;
  env: Record<string, string>;
}

/** One request with the given cookies, optional X-CSRFToken and Origin. */
function send(method: string, path: string, { cookies, csrf, origin, body, env }: Sent) {
  const headers: Record<string, string> = { cookie: cookieHeader(cookies) };
  if (csrf !== undefined) headers["x-csrftoken"] = csrf;
  if (origin !== undefined) headers.origin = origin;
  return call(method, path, { headers, body, env });
}

/** A fresh csrftoken from GET csrf/. */
async function csrfToken(env: Record<string, string> = {}): Promise<string> {
  return setCookies(await call("GET", "/auth/csrf/", { env })).values.csrftoken!;
}

describe("GET csrf/", () => {
  it("answers 200 with a csrftoken cookie, also when cookie mode is off", async () => {
    const response = await call("GET", "/auth/csrf/");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "CSRF cookie set." });
    expect(setCookies(response).raw).toHaveLength(1);
    expect(setCookies(response).lines.csrftoken).toMatch(/^csrftoken=[A-Za-z0-9]{32}; Max-Age=31449600; Path=\/; Secure; SameSite=Lax$/);
    expect(await csrfToken()).not.toBe(setCookies(response).values.csrftoken);
    expect((await call("HEAD", "/auth/csrf")).status).toBe(200);
    expect((await call("POST", "/auth/csrf/")).status).toBe(405);
  });

  it("uses the JWT cookies' SameSite/Secure, CSRF_COOKIE_NAME and CSRF_COOKIE_DOMAIN", async () => {
    const overrides = {
      ...USE_CSRF,
      JWT_AUTH_SAMESITE: "None",
      CSRF_COOKIE_NAME: "xsrf",
      CSRF_COOKIE_DOMAIN: "example.test",
      JWT_AUTH_COOKIE_DOMAIN: "other.test",
    };
    const response = await call("GET", "/auth/csrf/", { env: overrides });
    expect(setCookies(response).lines.xsrf).toMatch(/^xsrf=[A-Za-z0-9]{32}; Max-Age=31449600; Domain=example\.test; Path=\/; Secure; SameSite=None$/);
    const insecure = await call("GET", "/auth/csrf/", { env: { JWT_AUTH_SECURE: "false", JWT_AUTH_SAMESITE: "Strict" } });
    expect(setCookies(insecure).lines.csrftoken).toMatch(/; Path=\/; SameSite=Strict$/);
  });

  it("an origin in CORS_ALLOWED_ORIGINS passes the Origin check without CSRF_TRUSTED_ORIGINS; others do not", async () => {
    const SPA = { ...USE_CSRF, CORS_ALLOWED_ORIGINS: "https://app.example.org" };
    const login = await cookieLogin(SPA, "corstrust");
    const sent = (origin: string) =>
      send("PATCH", "/auth/user/", {
        cookies: { "app-access": login.cookies["app-access"], csrftoken: login.cookies.csrftoken },
        csrf: login.cookies.csrftoken,
        origin,
        body: { first_name: "Cors" },
        env: SPA,
      });
    const allowed = await sent("https://app.example.org");
    expect(allowed.status).toBe(200);
    expect(allowed.body.first_name).toBe("Cors");
    expect((await sent("https://evil.example")).body).toEqual(FAILED.origin);
    // Logout from the allowed origin too (the case that used to fail).
    const logout = await send("POST", "/auth/logout/", {
      cookies: { "app-access": login.cookies["app-access"], "app-refresh": login.cookies["app-refresh"], csrftoken: login.cookies.csrftoken },
      csrf: login.cookies.csrftoken,
      origin: "https://app.example.org",
      env: SPA,
    });
    expect(logout.status).toBe(200);
  });

  it("also answers the token in the CSRF header, which CORS exposes to allowed origins only", async () => {
    const CROSS_SITE = {
      ...USE_CSRF,
      JWT_AUTH_SAMESITE: "None",
      CORS_ALLOWED_ORIGINS: "https://app.example.org",
      CSRF_TRUSTED_ORIGINS: "https://app.example.org",
    };
    const allowed = await call("GET", "/auth/csrf/", { env: CROSS_SITE, headers: { origin: "https://app.example.org" } });
    expect(allowed.headers.get("x-csrftoken")).toBe(setCookies(allowed).values.csrftoken);
    expect(allowed.headers.get("access-control-expose-headers")).toBe("X-CSRFToken, X-Request-Id");
    const other = await call("GET", "/auth/csrf/", { env: CROSS_SITE, headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("access-control-expose-headers")).toBeNull();
    // An allowed app can echo the header's value on its next unsafe request (the cookie travels with it).
    const login = await cookieLogin({ ...COOKIE_MODE, ...CROSS_SITE }, "crosssite");
    const token = login.login.headers.get("x-csrftoken")!;
    expect(token).toBe(login.cookies.csrftoken);
    const patch = await call("PATCH", "/auth/user/", {
      body: { first_name: "Cross" },
      env: { ...COOKIE_MODE, ...CROSS_SITE },
      headers: { origin: "https://app.example.org", "x-csrftoken": token, cookie: `app-access=${login.cookies["app-access"]}; csrftoken=${token}` },
    });
    expect(patch.status).toBe(200);
    expect(patch.body.first_name).toBe("Cross");
  });
});

describe("JWT_AUTH_COOKIE_USE_CSRF=true", () => {
  it("refuses a cookie-authenticated unsafe request with each failure body, and accepts a matching token", async () => {
    const { cookies } = await cookieLogin(USE_CSRF);
    const access = cookies["app-access"];
    const csrf = cookies.csrftoken!;
    const patch = (sent: Omit<Sent, "env" | "body">) => send("PATCH", "/auth/user/", { ...sent, body: { first_name: "Csrf" }, env: USE_CSRF });

    const noCookie = await patch({ cookies: { "app-access": access }, csrf });
    expect(noCookie.status).toBe(403);
    expect(noCookie.body).toEqual(FAILED.cookie);
    expect((await patch({ cookies: { "app-access": access, csrftoken: csrf } })).body).toEqual(FAILED.missing);
    expect((await patch({ cookies: { "app-access": access, csrftoken: csrf }, csrf: "x".repeat(32) })).body).toEqual(FAILED.incorrect);
    expect((await patch({ cookies: { "app-access": access, csrftoken: csrf }, csrf, origin: "https://evil.example" })).body).toEqual(FAILED.origin);

    const ok = await patch({ cookies: { "app-access": access, csrftoken: csrf }, csrf });
    expect(ok.status).toBe(200);
    expect(ok.body.first_name).toBe("Csrf");
    // The API's own origin (request URL or PUBLIC_BASE_URL) passes the Origin check.
    expect((await patch({ cookies: { "app-access": access, csrftoken: csrf }, csrf, origin: "https://api.example.test" })).status).toBe(200);
  });

  it("trusts the origins in CSRF_TRUSTED_ORIGINS", async () => {
    const overrides = { ...USE_CSRF, CSRF_TRUSTED_ORIGINS: "https://app.example.test" };
    const { cookies } = await cookieLogin(overrides);
    const sent = { cookies, csrf: cookies.csrftoken, body: {}, env: overrides };
    expect((await send("PATCH", "/auth/user/", { ...sent, origin: "https://app.example.test" })).status).toBe(200);
    expect((await send("PATCH", "/auth/user/", { ...sent, origin: "https://evil.example" })).body).toEqual(FAILED.origin);
  });

  it("accepts the csrfmiddlewaretoken form field instead of the header", async () => {
    const { cookies } = await cookieLogin(USE_CSRF);
    const response = await call("PATCH", "/auth/user/", {
      as: "form",
      body: { first_name: "Form", csrfmiddlewaretoken: cookies.csrftoken! },
      headers: { cookie: cookieHeader(cookies) },
      env: USE_CSRF,
    });
    expect(response.status).toBe(200);
    expect(response.body.first_name).toBe("Form");
  });

  it("checks before the token: a garbage access cookie without CSRF gets 403, with CSRF the 401", async () => {
    const csrf = await csrfToken(USE_CSRF);
    const forged = await send("POST", "/auth/logout-all/", { cookies: { "app-access": "garbage" }, env: USE_CSRF });
    expect(forged.status).toBe(403);
    expect(forged.body).toEqual(FAILED.cookie);
    const honest = await send("POST", "/auth/logout-all/", { cookies: { "app-access": "garbage", csrftoken: csrf }, csrf, env: USE_CSRF });
    expect(honest.status).toBe(401);
  });

  it("leaves safe methods, Bearer-authenticated requests and public endpoints alone", async () => {
    const { cookies, login, username, password } = await cookieLogin(USE_CSRF);
    expect((await send("GET", "/auth/user/", { cookies: { "app-access": cookies["app-access"] }, env: USE_CSRF })).status).toBe(200);
    const bearer = await call("PATCH", "/auth/user/", { token: login.body.access, body: {}, headers: { cookie: cookieHeader(cookies) }, env: USE_CSRF });
    expect(bearer.status).toBe(200);
    // login/ and refresh/ authenticate nobody, so only ENFORCE_CSRF_ON_UNAUTHENTICATED checks them.
    expect((await send("POST", "/auth/login/", { cookies, body: { username, password }, env: USE_CSRF })).status).toBe(200);
    expect((await send("POST", "/auth/token/refresh/", { cookies: { "app-refresh": cookies["app-refresh"] }, env: USE_CSRF })).status).toBe(200);
  });

  it("logout/ checks when the access cookie comes along, not with the refresh cookie alone", async () => {
    const first = await cookieLogin(USE_CSRF);
    const forged = await send("POST", "/auth/logout/", { cookies: first.cookies, env: USE_CSRF });
    expect(forged.status).toBe(403);
    expect(forged.body).toEqual(FAILED.missing);
    expect((await send("POST", "/auth/logout/", { cookies: first.cookies, csrf: first.cookies.csrftoken, env: USE_CSRF })).status).toBe(200);
    const second = await cookieLogin(USE_CSRF);
    expect((await send("POST", "/auth/logout/", { cookies: { "app-refresh": second.cookies["app-refresh"] }, env: USE_CSRF })).status).toBe(200);
  });
});

describe("JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED=true", () => {
  it("checks login/, registration/ and refresh/ without an Authorization header", async () => {
    const me = await cookieLogin(COOKIE_MODE);
    const credentials = { username: me.username, password: me.password };
    const login = await send("POST", "/auth/login/", { cookies: {}, body: credentials, env: ENFORCE });
    expect(login.status).toBe(403);
    expect(login.body).toEqual(FAILED.cookie);
    const identity = newIdentity("enforce");
    const registration = await send("POST", "/auth/registration/", {
      cookies: {},
      body: { username: identity.username, email: identity.email, password1: identity.password, password2: identity.password },
      env: ENFORCE,
    });
    expect(registration.body).toEqual(FAILED.cookie);
    const refresh = await send("POST", "/auth/token/refresh/", { cookies: { "app-refresh": me.cookies["app-refresh"] }, env: ENFORCE });
    expect(refresh.status).toBe(403);

    // The flow a frontend follows: GET csrf/ first, then echo the cookie in the header.
    const csrf = await csrfToken(ENFORCE);
    const ok = await send("POST", "/auth/login/", { cookies: { csrftoken: csrf }, csrf, body: credentials, env: ENFORCE });
    expect(ok.status).toBe(200);
    const next = setCookies(ok).values;
    expect((await send("POST", "/auth/token/refresh/", { cookies: next, csrf: next.csrftoken, env: ENFORCE })).status).toBe(200);
    expect((await send("POST", "/auth/login/", { cookies: { csrftoken: csrf }, csrf: "y".repeat(32), body: credentials, env: ENFORCE })).body).toEqual(FAILED.incorrect);
    expect((await send("POST", "/auth/login/", { cookies: { csrftoken: csrf }, body: credentials, env: ENFORCE })).body).toEqual(FAILED.missing);
    const evil = await send("POST", "/auth/login/", { cookies: { csrftoken: csrf }, csrf, origin: "https://evil.example", body: credentials, env: ENFORCE });
    expect(evil.body).toEqual(FAILED.origin);
  });

  it("checks cookie-authenticated requests too, and skips requests with an Authorization header", async () => {
    const me = await cookieLogin(COOKIE_MODE);
    const patch = await send("PATCH", "/auth/user/", { cookies: { "app-access": me.cookies["app-access"] }, body: {}, env: ENFORCE });
    expect(patch.body).toEqual(FAILED.cookie);
    // Another scheme is no credential (§1.3): the cookie is, so the check still applies.
    const otherScheme = await call("PATCH", "/auth/user/", {
      body: {},
      headers: { authorization: "Token abc", cookie: cookieHeader({ "app-access": me.cookies["app-access"] }) },
      env: ENFORCE,
    });
    expect(otherScheme.body).toEqual(FAILED.cookie);
    const bearer = await call("PATCH", "/auth/user/", { token: me.login.body.access, body: {}, env: ENFORCE });
    expect(bearer.status).toBe(200);
    const body = await call("POST", "/auth/token/refresh/", { body: { refresh: me.login.body.refresh }, headers: { authorization: "Bearer x" }, env: ENFORCE });
    expect(body.status).toBe(200);
  });

  it("leaves safe methods, unknown paths and wrong methods alone", async () => {
    expect((await call("GET", "/auth/csrf/", { env: ENFORCE })).status).toBe(200);
    expect((await call("POST", "/auth/nowhere/", { body: {}, env: ENFORCE })).status).toBe(404);
    expect((await call("DELETE", "/auth/login/", { env: ENFORCE })).status).toBe(405);
    expect((await call("OPTIONS", "/auth/login/", { env: ENFORCE })).status).toBe(204);
  });
});

describe("cookie mode with JWT_AUTH_COOKIE_USE_CSRF: a cross-site page can neither log a user in nor out", () => {
  const SPA = { ...USE_CSRF, CORS_ALLOWED_ORIGINS: "https://app.example.org" };
  const REFERER_FAILED = { detail: "CSRF Failed: Referer checking failed - https://evil.example/page does not match any trusted origins." };
  /** An unsafe request with the given Origin and/or Referer (undefined = not sent). */
  const from = (method: string, path: string, where: { origin?: string; referer?: string }, cookies: Record<string, string | undefined>, body?: unknown, env: Record<string, string> = SPA) => {
    const headers: Record<string, string> = { cookie: cookieHeader(cookies) };
    if (where.origin !== undefined) headers.origin = where.origin;
    if (where.referer !== undefined) headers.referer = where.referer;
    return call(method, path, { headers, body, env });
  };

  it("login/: refused from a foreign Origin, or a foreign Referer without Origin; fine from the API, an allowed origin, or a non-browser client", async () => {
    const me = await cookieLogin(SPA, "originlogin");
    const credentials = { username: me.username, password: me.password };
    const foreign = await from("POST", "/auth/login/", { origin: "https://evil.example" }, {}, credentials);
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual(FAILED.origin);
    expect(setCookies(foreign).raw).toEqual([]);
    expect((await from("POST", "/auth/login/", { referer: "https://evil.example/page" }, {}, credentials)).body).toEqual(REFERER_FAILED);
    // The Origin decides when both are sent; "null" (a sandboxed frame, a data: page) is foreign.
    expect((await from("POST", "/auth/login/", { origin: "https://evil.example", referer: "https://api.example.test/x" }, {}, credentials)).body).toEqual(FAILED.origin);
    expect((await from("POST", "/auth/login/", { origin: "null" }, {}, credentials)).status).toBe(403);
    expect((await from("POST", "/auth/login/", { referer: "not a url" }, {}, credentials)).body).toEqual({ detail: "CSRF Failed: Referer checking failed - Referer is malformed." });
    for (const where of [{ origin: "https://app.example.org" }, { origin: "https://api.example.test" }, { referer: "https://app.example.org/sign-in" }, {}]) {
      const response = await from("POST", "/auth/login/", where, {}, credentials);
      expect(response.status, JSON.stringify(where)).toBe(200);
      expect(setCookies(response).values["app-access"]).toBeTruthy();
    }
    // mfa/authenticate/ and registration/ (which may log in too) get the same check.
    expect((await from("POST", "/auth/mfa/authenticate/", { origin: "https://evil.example" }, {}, { ephemeral_token: "x", code: "123456" })).body).toEqual(FAILED.origin);
    const identity = newIdentity("originsignup");
    const signUp = { username: identity.username, email: identity.email, password1: identity.password, password2: identity.password };
    expect((await from("POST", "/auth/registration/", { origin: "https://evil.example" }, {}, signUp)).body).toEqual(FAILED.origin);
  });

  it("refresh by cookie: refused from a foreign origin, and nothing rotates", async () => {
    const me = await cookieLogin(SPA, "originrefresh");
    const refresh = { "app-refresh": me.cookies["app-refresh"] };
    const foreign = await from("POST", "/auth/token/refresh/", { origin: "https://evil.example" }, refresh);
    expect(foreign.status).toBe(403);
    expect(setCookies(foreign).raw).toEqual([]);
    expect((await from("POST", "/auth/refresh/", { referer: "https://evil.example/page" }, refresh)).body).toEqual(REFERER_FAILED);
    // The token was not spent: rotating it from the allowed app still works (no reuse detected).
    const allowed = await from("POST", "/auth/token/refresh/", { origin: "https://app.example.org" }, refresh);
    expect(allowed.status).toBe(200);
    expect(setCookies(allowed).values["app-refresh"]).not.toBe(me.cookies["app-refresh"]);
  });

  it("logout/ with the refresh cookie alone: refused from a foreign origin, and the session survives", async () => {
    const me = await cookieLogin(SPA, "originlogout");
    const refresh = { "app-refresh": me.cookies["app-refresh"] };
    const foreign = await from("POST", "/auth/logout/", { origin: "https://evil.example" }, refresh);
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual(FAILED.origin);
    expect((await from("POST", "/auth/logout/", { referer: "https://evil.example/page" }, refresh)).body).toEqual(REFERER_FAILED);
    expect((await from("POST", "/auth/token/refresh/", {}, refresh)).status).toBe(200);
    const second = await cookieLogin(SPA, "originlogout");
    expect((await from("POST", "/auth/logout/", { origin: "https://app.example.org" }, { "app-refresh": second.cookies["app-refresh"] })).status).toBe(200);
  });

  it("GET logout/ (ACCOUNT_LOGOUT_ON_GET): a link or image on a foreign page is refused by its Referer", async () => {
    const ON_GET = { ...SPA, ACCOUNT_LOGOUT_ON_GET: "true" };
    const me = await cookieLogin(ON_GET, "origingetlogout");
    const refresh = { "app-refresh": me.cookies["app-refresh"] };
    const foreign = await from("GET", "/auth/logout/", { referer: "https://evil.example/page" }, refresh, undefined, ON_GET);
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual(REFERER_FAILED);
    expect((await from("GET", "/auth/logout/", { referer: "https://app.example.org/account" }, refresh, undefined, ON_GET)).status).toBe(200);
  });

  it("is not applied where no cookie can be forged: a request with an Authorization header, or cookie mode without CSRF protection", async () => {
    const me = await cookieLogin(SPA, "originbearer");
    const withHeader = await call("POST", "/auth/token/refresh/", {
      body: { refresh: me.login.body.refresh },
      headers: { origin: "https://evil.example", authorization: `Bearer ${me.login.body.access}` },
      env: SPA,
    });
    expect(withHeader.status).toBe(200);
    // Without JWT_AUTH_COOKIE_USE_CSRF, SameSite and the CORS allowlist are the protection (contract §1.7).
    const plain = await cookieLogin(COOKIE_MODE, "originplain");
    expect((await from("POST", "/auth/login/", { origin: "https://evil.example" }, {}, { username: plain.username, password: plain.password }, COOKIE_MODE)).status).toBe(200);
  });
});
