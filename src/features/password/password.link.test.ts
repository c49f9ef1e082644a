import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, clock, linkIn, loggedIn, mailTo } from "../../../test/helpers";

/** name -> value of the cookies a response sets, plus their raw attribute strings. */
function cookiesOf(response: { headers: Headers }) {
  const raw: string[] = (response.headers as Headers & { getSetCookie(): string[] }).getSetCookie();
  const values = Object.fromEntries(raw.map((line) => line.split(";")[0]!.split("=") as [string, string]));
  return { raw, values };
}

async function openMailedLink(prefix = "link", overrides?: Record<string, string>) {
  const me = await loggedIn(prefix, overrides);
  await call("POST", "/auth/password/reset/", { body: { email: me.email }, env: overrides });
  const link = new URL(linkIn(mailTo(me.email).at(-1)!));
  const opened = await call("GET", link.pathname, { env: overrides });
  return { me, link, opened, cookies: cookiesOf(opened) };
}

function setNew(cookies: Record<string, string>, body: Record<string, unknown>, extra: { csrf?: string | null; origin?: string; env?: Record<string, string> } = {}) {
  const cookieHeader = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join("; ");
  const headers: Record<string, string> = { cookie: cookieHeader };
  const csrf = extra.csrf === undefined ? cookies.csrftoken : extra.csrf;
  if (csrf) headers["x-csrftoken"] = csrf;
  if (extra.origin) headers.origin = extra.origin;
  return call("POST", "/auth/password/reset/set-new/", { body, headers, env: extra.env });
}

const NEW = { new_password1: "brand new passphrase", new_password2: "brand new passphrase" };

describe("the mailed reset link (jwt-allauth flow)", () => {
  it("redirects to the built-in form with a capability cookie and a csrftoken, without consuming the token", async () => {
    const { link, opened, cookies } = await openMailedLink();
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe("/auth/password/reset/default/");
    const capability = cookies.raw.find((line) => line.startsWith("password_reset_access_token="))!;
    expect(capability).toMatch(/Max-Age=3600/);
    expect(capability).toMatch(/Path=\/auth\/password\/reset\//);
    expect(capability).toMatch(/HttpOnly/);
    expect(capability).toMatch(/Secure/);
    expect(capability).toMatch(/SameSite=Lax/);
    expect(cookies.values.csrftoken).toMatch(/^[A-Za-z0-9]{32}$/);
    // A scanner prefetching the link does not burn it: opening it again still works.
    expect((await call("GET", link.pathname)).status).toBe(302);
  });

  it("serves the form with the capability and sets the password through set-new/", async () => {
    const { me, cookies } = await openMailedLink();
    const form = await call("GET", "/auth/password/reset/default/", { headers: { cookie: `password_reset_access_token=${cookies.values.password_reset_access_token}` } });
    expect(form.status).toBe(200);
    expect(form.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(form.text).toContain('name="new_password1"');
    expect(form.headers.get("content-security-policy")).toContain("script-src 'nonce-");

    const done = await setNew(cookies.values, NEW);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ detail: "Password has been reset with the new password." });
    expect(cookiesOf(done).raw.find((l: string) => l.startsWith("password_reset_access_token="))).toMatch(/Max-Age=0/);
    expect((await call("POST", "/auth/login/", { body: { username: me.username, password: NEW.new_password1 } })).status).toBe(200);
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(401);
    // Used once: the same capability is refused afterwards.
    const again = await setNew(cookies.values, NEW);
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ detail: "Token is invalid or expired", code: "token_not_valid" });
    const complete = await call("GET", "/auth/password/reset/complete/");
    expect(complete.status).toBe(200);
  });

  it("answers 401 with WWW-Authenticate: Cookie without the capability cookie", async () => {
    const response = await call("POST", "/auth/password/reset/set-new/", { body: NEW });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Cookie");
    expect(response.body).toEqual({ detail: "Authentication credentials were not provided." });
  });

  it("enforces double-submit CSRF and the Origin check", async () => {
    const { cookies } = await openMailedLink();
    const { csrftoken, ...withoutCsrfCookie } = cookies.values;
    expect((await setNew(withoutCsrfCookie, NEW, { csrf: csrftoken })).body).toEqual({ detail: "CSRF Failed: CSRF cookie not set." });
    expect((await setNew(cookies.values, NEW, { csrf: null })).body).toEqual({ detail: "CSRF Failed: CSRF token missing." });
    expect((await setNew(cookies.values, NEW, { csrf: "x".repeat(32) })).body).toEqual({ detail: "CSRF Failed: CSRF token incorrect." });
    expect((await setNew(cookies.values, NEW, { origin: "https://evil.example" })).body).toEqual({
      detail: "CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.",
    });
    // None of those consumed the capability.
    expect((await setNew(cookies.values, NEW, { origin: "https://api.example.test" })).status).toBe(200);
  });

  it("accepts the csrfmiddlewaretoken form field, and no CSRF at all with PASSWORD_RESET_COOKIE_CSRF=false", async () => {
    const { cookies } = await openMailedLink();
    const cookie = `password_reset_access_token=${cookies.values.password_reset_access_token}; csrftoken=${cookies.values.csrftoken}`;
    const viaForm = await call("POST", "/auth/password/reset/set-new/", {
      as: "form",
      body: { ...NEW, csrfmiddlewaretoken: cookies.values.csrftoken! },
      headers: { cookie },
    });
    expect(viaForm.status).toBe(200);
    const overrides = { PASSWORD_RESET_COOKIE_CSRF: "false" };
    const second = await openMailedLink("link", overrides);
    const response = await setNew({ password_reset_access_token: second.cookies.values.password_reset_access_token! }, NEW, { csrf: null, env: overrides });
    expect(response.status).toBe(200);
  });

  it("does not consume the capability on a 400 and reports password errors (aliases too)", async () => {
    const { cookies } = await openMailedLink();
    const mismatch = await setNew(cookies.values, { new_password: "brand new passphrase", confirm_password: "other passphrase" });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({ confirm_password: ["The two password fields didn’t match."] });
    const weak = await setNew(cookies.values, { new_password1: "12345678", new_password2: "12345678" });
    expect(weak.body).toEqual({ new_password2: ["This password is too common.", "This password is entirely numeric."] });
    expect((await setNew(cookies.values, NEW)).status).toBe(200);
  });

  it("refuses a capability that expired, was superseded, or whose password changed", async () => {
    const first = await openMailedLink();
    clock.advance(3601);
    expect((await setNew(first.cookies.values, NEW)).status).toBe(401);

    const second = await openMailedLink();
    const newer = await call("GET", second.link.pathname);
    expect((await setNew(second.cookies.values, NEW)).status).toBe(401);
    expect((await setNew(cookiesOf(newer).values, NEW)).status).toBe(200);

    const third = await openMailedLink();
    await call("POST", "/auth/password/change/", {
      token: third.me.access,
      body: { old_password: third.me.password, new_password1: "changed meanwhile ok", new_password2: "changed meanwhile ok" },
    });
    expect((await setNew(third.cookies.values, NEW)).status).toBe(401);
    const row = await env.DB.prepare("select count(*) as n from password_reset_capabilities where user_id = ?").bind(third.me.pk).first<{ n: number }>();
    expect(row!.n).toBe(1);
  });

  it("dies when the user logs in, as the reset token does (the form too)", async () => {
    const { me, cookies } = await openMailedLink();
    // last_login is what changes (the test clock stands still otherwise).
    clock.advance(1);
    expect((await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } })).status).toBe(200);
    const refused = await setNew(cookies.values, NEW);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ detail: "Token is invalid or expired", code: "token_not_valid" });
    const form = await call("GET", "/auth/password/reset/default/", { headers: { cookie: `password_reset_access_token=${cookies.values.password_reset_access_token}` } });
    expect(form.status).toBe(400);
    // The old password still works: nothing was reset.
    expect((await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } })).status).toBe(200);
  });

  it("accepts only the csrftoken issued with this capability: not another link's, not a session's", async () => {
    const mine = await openMailedLink();
    const theirs = await openMailedLink();
    expect(mine.cookies.values.csrftoken).not.toBe(theirs.cookies.values.csrftoken);
    const capability = { password_reset_access_token: mine.cookies.values.password_reset_access_token! };
    // Cookie and header agree (double submit passes), but the token belongs to another capability.
    const otherLink = await setNew({ ...capability, csrftoken: theirs.cookies.values.csrftoken! }, NEW);
    expect(otherLink.status).toBe(403);
    expect(otherLink.body).toEqual({ detail: "CSRF Failed: CSRF token incorrect." });
    const session = cookiesOf(await call("GET", "/auth/csrf/")).values.csrftoken!;
    expect((await setNew({ ...capability, csrftoken: session }, NEW)).body).toEqual({ detail: "CSRF Failed: CSRF token incorrect." });
    // Neither consumed anything: the right one still works, and the other link's pair too.
    expect((await setNew({ ...capability, csrftoken: mine.cookies.values.csrftoken! }, NEW)).status).toBe(200);
    expect((await setNew(theirs.cookies.values, NEW)).status).toBe(200);
  });

  it("survives an app calling GET csrf/ meanwhile: a presented csrftoken is kept (Django's get_token)", async () => {
    const { cookies } = await openMailedLink();
    const again = await call("GET", "/auth/csrf/", { headers: { cookie: `csrftoken=${cookies.values.csrftoken}` } });
    expect(cookiesOf(again).values.csrftoken).toBe(cookies.values.csrftoken);
    expect(again.headers.get("x-csrftoken")).toBe(cookies.values.csrftoken);
    expect((await setNew(cookies.values, NEW)).status).toBe(200);
  });

  it("shows an invalid-link page (or redirects with error) for a bad link", async () => {
    const bad = await call("GET", "/auth/password/reset/confirm/MQ/zzz-0000000000000000000000000000000000000000/");
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("This password reset link is invalid or has expired.");
    const overrides = { PASSWORD_RESET_REDIRECT: "https://app.example.com/reset" };
    const redirected = await call("GET", "/auth/password/reset/confirm/MQ/zzz-0/", { env: overrides });
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get("location")).toBe("https://app.example.com/reset?error=invalid_link");
    expect((await call("GET", "/auth/password/reset/default/", { env: overrides })).status).toBe(404);
    expect((await call("GET", "/auth/password/reset/complete/", { env: overrides })).status).toBe(404);
    const form = await call("GET", "/auth/password/reset/default/");
    expect(form.status).toBe(400);
  });

  it("redirects a valid link to PASSWORD_RESET_REDIRECT when configured", async () => {
    const overrides = { PASSWORD_RESET_REDIRECT: "https://app.example.com/reset" };
    const { opened } = await openMailedLink("link", overrides);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe("https://app.example.com/reset");
  });
});
