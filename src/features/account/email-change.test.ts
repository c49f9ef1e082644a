import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, loggedIn, mailTo, newIdentity } from "../../../test/helpers";

const keyIn = (text: string) => /Confirmation key: (\S+)/.exec(text)![1]!;

describe("email/change/", () => {
  it("changes the address only once the new address confirms", async () => {
    const me = await loggedIn("chg");
    const target = newIdentity("new").email;
    const response = await call("POST", "/auth/email/change/", { token: me.access, body: { email: target, password: me.password } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "Verification e-mail sent." });
    expect((await call("GET", "/auth/user/", { token: me.access })).body.email).toBe(me.email);
    expect(mailTo(me.email).at(-1)!.subject).toBe("[edge-rest-auth] E-mail address change requested");
    expect(mailTo(me.email).at(-1)!.text).toContain(target);
    const key = keyIn(mailTo(target)[0]!.text);

    const confirmed = await call("POST", "/auth/registration/verify-email/", { body: { key } });
    expect(confirmed.body).toEqual({ detail: "ok" });
    expect((await call("GET", "/auth/user/", { token: me.access })).body.email).toBe(target);
    const login = await call("POST", "/auth/login/", { body: { email: target, password: me.password } });
    expect(login.status).toBe(200);
    expect((await call("POST", "/auth/login/", { body: { email: me.email, password: me.password } })).status).toBe(400);
    // Replaying the key is harmless (idempotent for the now-verified address).
    expect((await call("POST", "/auth/registration/verify-email/", { body: { key } })).status).toBe(200);
    const events = await env.DB.prepare("select event, meta from events where user_id = ? and event in ('email_change_requested','email_verified') order by id")
      .bind(me.pk)
      .all<{ event: string; meta: string }>();
    expect(events.results.map((e) => [e.event, JSON.parse(e.meta)])).toContainEqual(["email_change_requested", { email: target }]);
    expect(events.results.map((e) => [e.event, JSON.parse(e.meta)])).toContainEqual([
      "email_verified",
      { email: target, previous: me.email, changed: true },
    ]);
  });

  it("kills outstanding reset tokens when the change is applied", async () => {
    const me = await loggedIn("chg");
    await call("POST", "/auth/password/reset/", { body: { email: me.email } });
    const resetMail = mailTo(me.email).at(-1)!.text;
    const uid = /uid: (\S+)/.exec(resetMail)![1];
    const token = /token: (\S+)/.exec(resetMail)![1];
    const target = newIdentity("new").email;
    await call("POST", "/auth/email/change/", { token: me.access, body: { email: target, password: me.password } });
    await call("POST", "/auth/registration/verify-email/", { body: { key: keyIn(mailTo(target)[0]!.text) } });
    const reset = await call("POST", "/auth/password/reset/confirm/", {
      body: { uid, token, new_password1: "another good passphrase", new_password2: "another good passphrase" },
    });
    expect(reset.body).toEqual({ token: ["Invalid value"] });
  });

  it("a newer request supersedes the older one", async () => {
    const me = await loggedIn("chg");
    const first = newIdentity("first").email;
    const second = newIdentity("second").email;
    await call("POST", "/auth/email/change/", { token: me.access, body: { email: first, password: me.password } });
    await call("POST", "/auth/email/change/", { token: me.access, body: { email: second, password: me.password } });
    const stale = await call("POST", "/auth/registration/verify-email/", { body: { key: keyIn(mailTo(first)[0]!.text) } });
    expect(stale.status).toBe(404);
    expect((await call("POST", "/auth/registration/verify-email/", { body: { key: keyIn(mailTo(second)[0]!.text) } })).status).toBe(200);
    expect((await call("GET", "/auth/user/", { token: me.access })).body.email).toBe(second);
  });

  it("gives one address to exactly one of two users confirming at once", async () => {
    const alice = await loggedIn("race");
    const bob = await loggedIn("race");
    const contested = newIdentity("contested").email;
    await call("POST", "/auth/email/change/", { token: alice.access, body: { email: contested, password: alice.password } });
    await call("POST", "/auth/email/change/", { token: bob.access, body: { email: contested, password: bob.password } });
    const keys = mailTo(contested).map((mail) => keyIn(mail.text));
    expect(keys).toHaveLength(2);
    const results = await Promise.all(keys.map((key) => call("POST", "/auth/registration/verify-email/", { body: { key } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 404]);
    const owners = await env.DB.prepare("select id from users where lower(email) = lower(?)").bind(contested).all();
    expect(owners.results).toHaveLength(1);
  });

  it.each([
    ["a wrong password", (me: { email: string }) => ({ email: `x${me.email}`, password: "wrong" }), { password: ["Incorrect password."] }],
    ["the current address", (me: { email: string; password: string }) => ({ email: me.email.toUpperCase(), password: me.password }), {
      email: ["The new value must be different from the current one."],
    }],
    ["a malformed address", (me: { password: string }) => ({ email: "nope", password: me.password }), { email: ["Enter a valid email address."] }],
    ["a missing password", (me: { email: string }) => ({ email: `y${me.email}` }), { password: ["This field is required."] }],
  ])("refuses %s", async (_name, body, errors) => {
    const me = await loggedIn("chg");
    const response = await call("POST", "/auth/email/change/", { token: me.access, body: body(me) });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(errors);
    expect(await env.DB.prepare("select * from email_changes where user_id = ?").bind(me.pk).first()).toBeNull();
  });

  it("refuses an address another account holds", async () => {
    const me = await loggedIn("chg");
    const other = await loggedIn("chg");
    const response = await call("POST", "/auth/email/change/", { token: me.access, body: { email: other.email.toUpperCase(), password: me.password } });
    expect(response.body).toEqual({ email: ["A user is already registered with this email address."] });
  });

  it("refuses an account with no usable password", async () => {
    const me = await loggedIn("chg");
    await env.DB.prepare("update users set password = '!unusable' where id = ?").bind(me.pk).run();
    const response = await call("POST", "/auth/email/change/", { token: me.access, body: { email: `z${me.email}`, password: "x" } });
    expect(response.body).toEqual({ password: ["Your account has no password set up."] });
  });

  it("builds the link on an allowed verification_base_url and refuses other origins", async () => {
    const overrides = { VERIFICATION_BASE_URL_ALLOWED_ORIGINS: "https://app.example.com" };
    const me = await loggedIn("chg", overrides);
    const target = newIdentity("new").email;
    const bad = await call("POST", "/auth/email/change/", {
      token: me.access,
      env: overrides,
      body: { email: target, password: me.password, verification_base_url: "https://evil.example/confirm/" },
    });
    expect(bad.body).toEqual({ verification_base_url: ["This URL's origin is not allowed."] });
    const ok = await call("POST", "/auth/email/change/", {
      token: me.access,
      env: overrides,
      body: { email: target, password: me.password, verification_base_url: "https://app.example.com/confirm/{key}" },
    });
    expect(ok.status).toBe(200);
    expect(mailTo(target)[0]!.text).toContain("https://app.example.com/confirm/");
  });
});
