// GET | PUT | PATCH user/ (contract §2.2.1) and the 401 bodies of protected endpoints (§1.6).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, clock, eventsOf, loggedIn, userRow } from "../../../test/helpers";

const USERNAME_INVALID = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
const TOO_LONG = "Ensure this field has no more than 150 characters.";

function put(token: string, body: Record<string, unknown>, vars?: Record<string, string>) {
  return call("PUT", "/auth/user/", { token, body, env: vars });
}
function patch(token: string, body: Record<string, unknown>, vars?: Record<string, string>) {
  return call("PATCH", "/auth/user/", { token, body, env: vars });
}
async function userUpdates(pk: number) {
  return (await eventsOf(pk)).filter((e) => e.event === "user_updated");
}

describe("GET user/", () => {
  it("returns UserDetails of the caller", async () => {
    const me = await loggedIn("usr");
    const response = await call("GET", "/auth/user/", { token: me.access });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ pk: me.pk, username: me.username, email: me.email, first_name: "", last_name: "" });
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });
});

describe("PUT / PATCH user/", () => {
  it("PUT requires username; first_name and last_name are optional", async () => {
    const me = await loggedIn("usrput");
    const missing = await put(me.access, { first_name: "Ada" });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ username: ["This field is required."] });

    const response = await put(me.access, { username: `${me.username}x`, first_name: "Ada" });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ pk: me.pk, username: `${me.username}x`, email: me.email, first_name: "Ada", last_name: "" });
    expect((await call("GET", "/auth/user/", { token: me.access })).body).toEqual(response.body);
  });

  it("PATCH changes only the fields sent", async () => {
    const me = await loggedIn("usrpatch");
    const response = await patch(me.access, { last_name: "Lovelace" });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ pk: me.pk, username: me.username, email: me.email, first_name: "", last_name: "Lovelace" });
    expect((await patch(me.access, {})).body).toEqual(response.body);
    const row = await userRow(me.email);
    expect(row).toMatchObject({ username: me.username, first_name: "", last_name: "Lovelace" });
  });

  it("ignores pk and email (read-only)", async () => {
    const me = await loggedIn("usrro");
    const response = await patch(me.access, { pk: 999999, email: "hijack@example.com", first_name: "Grace" });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ pk: me.pk, email: me.email, first_name: "Grace" });
    expect(await userRow("hijack@example.com")).toBeNull();
    const put200 = await put(me.access, { username: me.username, email: "hijack@example.com", pk: 1 });
    expect(put200.status).toBe(200);
    expect(put200.body).toMatchObject({ pk: me.pk, email: me.email });
  });

  it("refuses a username taken by another user, case-insensitively; the caller's own name (any case) is fine", async () => {
    const me = await loggedIn("usrtaken");
    const other = await loggedIn("usrtaken");
    const taken = await patch(me.access, { username: other.username.toUpperCase() });
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({ username: ["A user with that username already exists."] });
    expect((await patch(me.access, { username: me.username })).status).toBe(200);
    const recased = await patch(me.access, { username: me.username.toUpperCase() });
    expect(recased.status).toBe(200);
    expect(recased.body.username).toBe(me.username.toUpperCase());
  });

  it("refuses invalid and blacklisted usernames, and a blank one", async () => {
    const me = await loggedIn("usrinvalid");
    for (const username of ["with space", "bad/char", "semi;colon"]) {
      expect((await patch(me.access, { username })).body).toEqual({ username: [USERNAME_INVALID] });
    }
    const vars = { ACCOUNT_USERNAME_BLACKLIST: "admin,root" };
    expect((await patch(me.access, { username: "Admin" }, vars)).body).toEqual({
      username: ["Username can not be used. Please use other username."],
    });
    expect((await patch(me.access, { username: "" })).body).toEqual({ username: ["This field may not be blank."] });
    expect((await userRow(me.email))!.username).toBe(me.username);
  });

  it("limits username, first_name and last_name to 150 characters", async () => {
    const me = await loggedIn("usrlen");
    const long = "a".repeat(151);
    const response = await patch(me.access, { username: long, first_name: long, last_name: long });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ username: [TOO_LONG], first_name: [TOO_LONG], last_name: [TOO_LONG] });

    const max = "b".repeat(150);
    const ok = await patch(me.access, { first_name: max, last_name: max });
    expect(ok.status).toBe(200);
    expect(ok.body.first_name).toBe(max);
    const name = `${me.username}${"c".repeat(150 - me.username.length)}`;
    expect((await patch(me.access, { username: name })).body.username).toBe(name);
  });

  it("allows blank names (clearing them)", async () => {
    const me = await loggedIn("usrblank");
    await patch(me.access, { first_name: "Ada" });
    const cleared = await patch(me.access, { first_name: "" });
    expect(cleared.status).toBe(200);
    expect(cleared.body.first_name).toBe("");
  });

  it("records user_updated with meta.fields when something changed, and nothing otherwise", async () => {
    const me = await loggedIn("usrevent");
    await patch(me.access, { first_name: "Ada", last_name: "" });
    await put(me.access, { username: me.username, first_name: "Ada" });
    await put(me.access, { username: `${me.username}z`, last_name: "L" });
    const events = await userUpdates(me.pk);
    expect(events.map((e) => e.meta.fields)).toEqual([["first_name"], ["username", "last_name"]]);
  });
});

describe("401 on protected endpoints (§1.6)", () => {
  const TOKEN_NOT_VALID = {
    detail: "Given token not valid for any token type",
    code: "token_not_valid",
    messages: [{ token_class: "AccessToken", token_type: "access", message: "Token is invalid or expired" }],
  };

  async function expect401(options: { token?: string; headers?: Record<string, string> }, body: unknown, method = "GET") {
    const response = await call(method, "/auth/user/", { ...options, ...(method === "GET" ? {} : { body: { first_name: "X" } }) });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(body);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    return response;
  }

  it("no credentials", async () => {
    await expect401({}, { detail: "Authentication credentials were not provided." });
    await expect401({}, { detail: "Authentication credentials were not provided." }, "PATCH");
  });

  it('a non-Bearer scheme ("Token x", "Basic ...") is treated as absent', async () => {
    for (const authorization of ["Token x", "Basic Zm9vOmJhcg==", "bearer lowercase-scheme"]) {
      await expect401({ headers: { authorization } }, { detail: "Authentication credentials were not provided." });
    }
  });

  it("a garbage or tampered token", async () => {
    const me = await loggedIn("usr401");
    const [h, p, s] = me.access.split(".");
    for (const token of ["garbage", "a.b.c", `${h}.${p}.${s!.slice(0, -2)}xx`, `${h}.${p}.`]) {
      await expect401({ token }, TOKEN_NOT_VALID);
    }
  });

  it("a refresh token used as access", async () => {
    const me = await loggedIn("usr401r");
    await expect401({ token: me.refresh }, TOKEN_NOT_VALID);
  });

  it("an expired access token", async () => {
    const me = await loggedIn("usr401exp");
    clock.advance(301);
    await expect401({ token: me.access }, TOKEN_NOT_VALID);
  });

  it('"Bearer" with other than two parts', async () => {
    const body = { detail: "Authorization header must contain two space-delimited values", code: "bad_authorization_header" };
    await expect401({ headers: { authorization: "Bearer a b" } }, body);
    await expect401({ headers: { authorization: "Bearer" } }, body);
  });

  it("a deleted user -> user_not_found", async () => {
    const me = await loggedIn("usr401del");
    await env.DB.prepare("delete from users where id = ?").bind(me.pk).run();
    await expect401({ token: me.access }, { detail: "User not found", code: "user_not_found" });
  });

  it("an inactive user -> user_inactive", async () => {
    const me = await loggedIn("usr401inactive");
    await env.DB.prepare("update users set is_active = 0 where id = ?").bind(me.pk).run();
    await expect401({ token: me.access }, { detail: "User is inactive", code: "user_inactive" });
    await expect401({ token: me.access }, { detail: "User is inactive", code: "user_inactive" }, "PUT");
  });

  it("the access token of a logged-out family -> token_not_valid, other sessions unaffected", async () => {
    const me = await loggedIn("usr401out");
    const other = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
    const logout = await call("POST", "/auth/logout/", { body: { refresh: me.refresh } });
    expect(logout.status).toBe(200);
    await expect401({ token: me.access }, TOKEN_NOT_VALID);
    expect((await call("GET", "/auth/user/", { token: other.body.access })).status).toBe(200);
    // With ACCESS_TOKEN_SESSION_CHECK=false the access token lives to its exp, as in plain simplejwt.
    expect((await call("GET", "/auth/user/", { token: me.access, env: { ACCESS_TOKEN_SESSION_CHECK: "false" } })).status).toBe(200);
  });

  it("a token signed with another key", async () => {
    const me = await loggedIn("usr401key");
    const response = await call("GET", "/auth/user/", { token: me.access, env: { JWT_SIGNING_KEY: "another-signing-key-0123456789abcdef0123456789" } });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(TOKEN_NOT_VALID);
  });
});
