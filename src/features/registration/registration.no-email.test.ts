// ACCOUNT_EMAIL_REQUIRED (contract §2.4.1, §3): sign-up without an address, and every mail flow for such an account.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, parseConfig, type Bindings } from "../../config";
import { call, confirmationKeyFor, eventsOf, mailTo, newIdentity, outbox } from "../../../test/helpers";

const OPTIONAL = { ACCOUNT_EMAIL_VERIFICATION: "optional" };
const NONE = { ACCOUNT_EMAIL_VERIFICATION: "none" };
const EMAIL_TAKEN = "User is already registered with this e-mail address.";

// Whatever a test does, nothing may ever be posted to a blank address.
afterEach(() => {
  expect(outbox.flatMap((mail) => mail.to.map((to) => to.trim()))).not.toContain("");
});

function register(body: Record<string, unknown>, vars: Record<string, string> = OPTIONAL, as?: "form") {
  return call("POST", "/auth/registration/", { body, env: vars, as });
}

/** A sign-up body without the email key; `extra` may add one. */
function signupWithout(me: { username: string; password: string }, extra: Record<string, unknown> = {}) {
  return { username: me.username, password1: me.password, password2: me.password, ...extra };
}

async function userRowByName(username: string) {
  return env.DB.prepare("select * from users where lower(username) = lower(?)").bind(username).first<Record<string, any>>();
}

async function countUsers(): Promise<number> {
  return (await env.DB.prepare("select count(*) as n from users").first<{ n: number }>())!.n;
}

/**
 * Registers an account without an address; returns its identity, tokens and pk. Default "none":
 * that sign-up mails nothing in any case, so a mail seen later comes from the flow under test.
 */
async function registerWithoutEmail(vars: Record<string, string> = NONE) {
  const me = newIdentity("noemail");
  const response = await register(signupWithout(me), vars);
  if (response.status !== 201) throw new Error(`registration failed: ${response.text}`);
  return { ...me, access: response.body.access as string, pk: response.body.user.pk as number };
}

describe("ACCOUNT_EMAIL_REQUIRED=false (the default unless verification is mandatory)", () => {
  const blanks: Array<[string, Record<string, unknown>, "form" | undefined]> = [
    ["no email field", {}, undefined],
    ['email ""', { email: "" }, undefined],
    ['email "   " (trimmed, as DRF does)', { email: "   " }, undefined],
    ['email "" in a form-encoded body', { email: "" }, "form"],
  ];
  for (const vars of [OPTIONAL, NONE]) {
    for (const [label, extra, as] of blanks) {
      it(`${vars.ACCOUNT_EMAIL_VERIFICATION}, ${label}: 201 TokenResponse with email "", unverified, no mail`, async () => {
        const me = newIdentity("noemail");
        const response = await register(signupWithout(me, extra), vars, as);
        expect(response.status).toBe(201);
        const row = await userRowByName(me.username);
        expect(row).toMatchObject({ email: "", email_verified: 0, is_active: 1 });
        expect(response.body.user).toEqual({ pk: row!.id, username: me.username, email: "", first_name: "", last_name: "" });
        expect(typeof response.body.access).toBe("string");
        expect(outbox).toEqual([]);
        expect((await eventsOf(row!.id)).map((e) => e.event)).toEqual(["register", "login"]);
        const mailRows = await env.DB.prepare("select count(*) as n from mail_outbox").first<{ n: number }>();
        expect(mailRows!.n).toBe(0);
      });
    }
  }

  it("any number of accounts may have no address: two side by side both get 201 and their own tokens", async () => {
    const first = newIdentity("noemail");
    const second = newIdentity("noemail");
    const responses = [await register(signupWithout(first, { email: "" })), await register(signupWithout(second))];
    expect(responses.map((r) => r.status)).toEqual([201, 201]);
    // Each token belongs to its own new row (the new user's id is looked up inside the insert batch).
    for (const [response, me] of [[responses[0]!, first], [responses[1]!, second]] as const) {
      const user = await call("GET", "/auth/user/", { token: response.body.access, env: OPTIONAL });
      expect(user.body).toMatchObject({ username: me.username, email: "" });
      const profile = await call("GET", "/auth/profile/", { token: response.body.access, env: OPTIONAL });
      expect(profile.status).toBe(200);
    }
    expect(responses[0]!.body.user.pk).not.toBe(responses[1]!.body.user.pk);
  });

  it("with an address given it still works, mails the confirmation, and the address stays unique case-insensitively", async () => {
    await registerWithoutEmail();
    const me = newIdentity("withemail");
    const response = await register(signupWithout(me, { email: me.email }));
    expect(response.status).toBe(201);
    expect(response.body.user.email).toBe(me.email);
    expect(mailTo(me.email)).toHaveLength(1);
    const before = await countUsers();
    const again = await register(signupWithout(newIdentity("withemail"), { email: me.email.toUpperCase() }));
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ email: [EMAIL_TAKEN] });
    expect(await countUsers()).toBe(before);
  });

  it("still checks a given address's format", async () => {
    const response = await register(signupWithout(newIdentity("bad"), { email: "not-an-email" }));
    expect(response.body).toEqual({ email: ["Enter a valid email address."] });
  });

  it("null is refused: 'This field may not be null.'", async () => {
    const response = await register(signupWithout(newIdentity("null"), { email: null }));
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ email: ["This field may not be null."] });
  });

  it("password similarity still checks the username when there is no address", async () => {
    const me = newIdentity("similar");
    const response = await register({ username: me.username, password1: `${me.username}!`, password2: `${me.username}!` });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ non_field_errors: ["The password is too similar to the username."] });
  });

  it("with ACCOUNT_USERNAME_REQUIRED=false too, each account gets its own generated username", async () => {
    const vars = { ...OPTIONAL, ACCOUNT_USERNAME_REQUIRED: "false" };
    const body = { password1: "correct horse battery staple", password2: "correct horse battery staple" };
    const responses = [await register(body, vars), await register(body, vars)];
    expect(responses.map((r) => r.status)).toEqual([201, 201]);
    const names = responses.map((r) => r.body.user.username as string);
    expect(names[0]).not.toBe(names[1]);
    for (const name of names) expect(name).toMatch(/^user/);
  });
});

describe("when an address is required", () => {
  const cases: Array<[string, Record<string, string> | undefined]> = [
    ["mandatory verification (default)", undefined],
    ["ACCOUNT_EMAIL_REQUIRED=true with optional verification", { ...OPTIONAL, ACCOUNT_EMAIL_REQUIRED: "true" }],
  ];
  for (const [label, vars] of cases) {
    it(`${label}: missing, blank, whitespace and null are refused`, async () => {
      const before = await countUsers();
      const expectations: Array<[Record<string, unknown>, string]> = [
        [{}, "This field is required."],
        [{ email: "" }, "This field may not be blank."],
        [{ email: "   " }, "This field may not be blank."],
        [{ email: null }, "This field may not be null."],
      ];
      for (const [extra, message] of expectations) {
        const response = await call("POST", "/auth/registration/", { body: signupWithout(newIdentity("req"), extra), env: vars });
        expect(response.status).toBe(400);
        expect(response.body).toEqual({ email: [message] });
      }
      expect(await countUsers()).toBe(before);
    });
  }

  it("ACCOUNT_EMAIL_REQUIRED=false with mandatory verification is a configuration error", async () => {
    const vars = { DB: env.DB, TOKENS_KV: env.TOKENS_KV, THROTTLE: env.THROTTLE, USER_RATE_LIMITER: env.USER_RATE_LIMITER, JWT_SIGNING_KEY: "k".repeat(32), PUBLIC_BASE_URL: "https://api.example.com" };
    expect(() => parseConfig({ ...vars, ACCOUNT_EMAIL_REQUIRED: "false" } as Bindings)).toThrow(ConfigError);
    expect(() => parseConfig({ ...vars, ACCOUNT_EMAIL_REQUIRED: "false" } as Bindings)).toThrow(/^ACCOUNT_EMAIL_REQUIRED\b/);
    expect(parseConfig(vars as Bindings).emailRequired).toBe(true);
    expect(parseConfig({ ...vars, ...OPTIONAL } as Bindings).emailRequired).toBe(false);
    expect(parseConfig({ ...vars, ...NONE } as Bindings).emailRequired).toBe(false);
    expect(parseConfig({ ...vars, ...OPTIONAL, ACCOUNT_EMAIL_REQUIRED: "true" } as Bindings).emailRequired).toBe(true);
    // Accounts without an address could never log in by e-mail alone (allauth's rule).
    expect(() => parseConfig({ ...vars, ...OPTIONAL, ACCOUNT_LOGIN_METHODS: "email" } as Bindings)).toThrow(/^ACCOUNT_LOGIN_METHODS\b/);
    expect(parseConfig({ ...vars, ...OPTIONAL, ACCOUNT_EMAIL_REQUIRED: "true", ACCOUNT_LOGIN_METHODS: "email" } as Bindings).loginMethods).toEqual(["email"]);

    vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await call("POST", "/auth/registration/", { body: signupWithout(newIdentity("cfg")), env: { ACCOUNT_EMAIL_REQUIRED: "false" } });
    expect(response.status).toBe(500);
    expect(response.body.detail).toContain("ACCOUNT_EMAIL_REQUIRED");
  });
});

describe("an account without an address", () => {
  // The flows below run with ACCOUNT_EMAIL_VERIFICATION=none (see registerWithoutEmail).
  for (const vars of [OPTIONAL, NONE]) {
    it(`${vars.ACCOUNT_EMAIL_VERIFICATION}: user/ and dashboard/ show email "" and email_verified false`, async () => {
      const me = await registerWithoutEmail(vars);
      const user = await call("GET", "/auth/user/", { token: me.access, env: vars });
      expect(user.status).toBe(200);
      expect(user.body).toEqual({ pk: me.pk, username: me.username, email: "", first_name: "", last_name: "" });
      const dashboard = await call("GET", "/auth/dashboard/", { token: me.access, env: vars });
      expect(dashboard.status).toBe(200);
      expect(dashboard.body.user.email).toBe("");
      expect(dashboard.body.email_verified).toBe(false);
    });
  }

  it("password reset by e-mail never reaches it: the uniform answer, no mail, no event", async () => {
    const accounts = [await registerWithoutEmail(), await registerWithoutEmail()];
    const response = await call("POST", "/auth/password/reset/", { body: { email: newIdentity("nobody").email }, env: NONE });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "Password reset e-mail has been sent." });
    const blank = await call("POST", "/auth/password/reset/", { body: { email: "" }, env: NONE });
    expect(blank.body).toEqual({ email: ["This field may not be blank."] });
    expect(outbox).toEqual([]);
    for (const account of accounts) {
      expect((await eventsOf(account.pk)).map((e) => e.event)).not.toContain("password_reset_requested");
    }
  });

  it("resend-email with a blank address is a validation error, as before", async () => {
    await registerWithoutEmail();
    const blank = await call("POST", "/auth/registration/resend-email/", { body: { email: "" }, env: NONE });
    expect(blank.status).toBe(400);
    expect(blank.body).toEqual({ email: ["This field may not be blank."] });
    expect(outbox).toEqual([]);
  });

  it("login: a blank email is no identifier (the username still works)", async () => {
    const me = await registerWithoutEmail();
    const blankOnly = await call("POST", "/auth/login/", { body: { email: "", password: me.password }, env: NONE });
    expect(blankOnly.status).toBe(400);
    expect(blankOnly.body).toEqual({ non_field_errors: ['Must include either "username" or "email" and "password".'] });
    const byName = await call("POST", "/auth/login/", { body: { email: "", username: me.username, password: me.password }, env: NONE });
    expect(byName.status).toBe(200);
    expect(byName.body.user).toMatchObject({ pk: me.pk, email: "" });
  });

  it("password change sends no notice mail", async () => {
    const me = await registerWithoutEmail();
    const response = await call("POST", "/auth/password/change/", {
      token: me.access,
      body: { old_password: me.password, new_password1: "another good passphrase", new_password2: "another good passphrase" },
      env: NONE,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "New password has been saved." });
    expect(outbox).toEqual([]);
    expect((await eventsOf(me.pk)).map((e) => e.event)).toContain("password_change");
  });

  it("email/change/ adds an address: the key goes to the new address only, confirming it sets the address", async () => {
    const me = await registerWithoutEmail();
    const target = newIdentity("added").email;
    const response = await call("POST", "/auth/email/change/", { token: me.access, body: { email: target, password: me.password }, env: NONE });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "Verification e-mail sent." });
    expect(outbox.map((mail) => mail.to)).toEqual([[target]]);
    expect((await call("GET", "/auth/user/", { token: me.access, env: NONE })).body.email).toBe("");

    const confirmed = await call("POST", "/auth/registration/verify-email/", { body: { key: confirmationKeyFor(target) }, env: NONE });
    expect(confirmed.body).toEqual({ detail: "ok" });
    const dashboard = await call("GET", "/auth/dashboard/", { token: me.access, env: NONE });
    expect(dashboard.body.user.email).toBe(target);
    expect(dashboard.body.email_verified).toBe(true);
    expect((await eventsOf(me.pk)).find((e) => e.event === "email_verified")!.meta).toEqual({ email: target, previous: "", changed: true });

    // From now on the account is reachable by mail like any other.
    await call("POST", "/auth/password/reset/", { body: { email: target.toUpperCase() }, env: NONE });
    expect(mailTo(target).map((mail) => mail.subject)).toEqual(["[edge-rest-auth] Please confirm your e-mail address", "[edge-rest-auth] Password reset"]);
  });
});
