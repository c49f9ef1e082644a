// password/reset/ and password/reset/confirm/ (body and seed-004 path forms): uniform answers, token life cycle, side effects.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, clock, eventsOf, linkIn, loggedIn, mailTo, newIdentity, outbox, userRow } from "../../../test/helpers";

const SENT = { detail: "Password reset e-mail has been sent." };
const DONE = { detail: "Password has been reset with the new password." };
const NEW = "a freshly reset passphrase";
const MISMATCH = "The two password fields didn’t match.";
const RESET_SUBJECT = "[edge-rest-auth] Password reset";

let ipCounter = 0;
/** A fresh client IP, so per-IP throttles never leak between tests. */
const freshIp = () => `203.0.113.${++ipCounter}`;

const requestReset = (email: unknown, overrides?: Record<string, string>) =>
  call("POST", "/auth/password/reset/", { body: { email }, env: overrides, headers: { "cf-connecting-ip": freshIp() } });

/** Asks for a reset and returns the mailed link's uid and token. */
async function resetLink(email: string, overrides?: Record<string, string>) {
  expect((await requestReset(email, overrides)).body).toEqual(SENT);
  const mail = mailTo(email).filter((m) => m.subject === RESET_SUBJECT).at(-1)!;
  const link = new URL(linkIn(mail));
  const uid = /^uid: (\S+)$/m.exec(mail.text)![1]!;
  const token = /^token: (\S+)$/m.exec(mail.text)![1]!;
  return { mail, link, uid, token };
}

const confirm = (body: Record<string, unknown>) => call("POST", "/auth/password/reset/confirm/", { body });
const confirmPath = (uid: string, token: string, body: Record<string, unknown>) =>
  call("POST", `/auth/password/reset/confirm/${uid}/${token}/`, { body });
const pair = (password = NEW) => ({ new_password1: password, new_password2: password });
const login = (username: string, password: string) => call("POST", "/auth/login/", { body: { username, password } });

describe("password/reset/", () => {
  it("answers the same 200 body for known, unknown and inactive addresses; mails only the known active one", async () => {
    const known = await loggedIn("reset");
    const inactive = await loggedIn("reset");
    await env.DB.prepare("update users set is_active = 0 where id = ?").bind(inactive.pk).run();
    outbox.length = 0;
    const unknown = newIdentity("reset").email;

    const answers = [await requestReset(known.email), await requestReset(unknown), await requestReset(inactive.email)];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(SENT);
    }
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(new Set(answers.map((a) => a.headers.get("content-type"))).size).toBe(1);
    expect(outbox.map((m) => m.to)).toEqual([[known.email]]);
    expect((await eventsOf(known.pk)).map((e) => e.event)).toContain("password_reset_requested");
    expect((await eventsOf(inactive.pk)).map((e) => e.event)).not.toContain("password_reset_requested");
  });

  it("matches the address case-insensitively and mails the stored address", async () => {
    const me = await loggedIn("reset");
    outbox.length = 0;
    await requestReset(me.email.toUpperCase());
    expect(outbox.map((m) => m.to)).toEqual([[me.email]]);
  });

  it("validates the address format", async () => {
    expect((await requestReset("not-an-address")).body).toEqual({ email: ["Enter a valid email address."] });
    expect((await call("POST", "/auth/password/reset/", { body: {} })).body).toEqual({ email: ["This field is required."] });
  });

  it("mails a link with uid and token plus the raw values and the username", async () => {
    const me = await loggedIn("reset");
    const { mail, link, uid, token } = await resetLink(me.email);
    expect(link.origin + link.pathname).toBe(`https://api.example.test/auth/password/reset/confirm/${uid}/${token}/`);
    expect(uid).toBe(btoa(String(me.pk)).replace(/=+$/, ""));
    expect(token).toMatch(/^[0-9a-z]+-[0-9a-f]+$/);
    expect(mail.text).toContain(`uid: ${uid}`);
    expect(mail.text).toContain(`token: ${token}`);
    expect(mail.text).toContain(me.username);
    expect(mail.html).toContain(`/auth/password/reset/confirm/${uid}/${token}/`);
  });
});

describe("PASSWORD_RESET_CONFIRM_URL", () => {
  it("fills {uid} and {token} placeholders", async () => {
    const me = await loggedIn("reset");
    const { mail, uid, token } = await resetLink(me.email, { PASSWORD_RESET_CONFIRM_URL: "https://app.example.test/reset?u={uid}&t={token}" });
    expect(linkIn(mail)).toBe(`https://app.example.test/reset?u=${uid}&t=${token}`);
  });

  it("appends {uid}/{token}/ to a template without placeholders, with one slash", async () => {
    for (const template of ["https://app.example.test/reset", "https://app.example.test/reset/"]) {
      const me = await loggedIn("reset");
      const { mail, uid, token } = await resetLink(me.email, { PASSWORD_RESET_CONFIRM_URL: template });
      expect(linkIn(mail)).toBe(`https://app.example.test/reset/${uid}/${token}/`);
    }
  });
});

describe("password/reset/confirm/", () => {
  it("sets the new password with the uid and token taken from the mailed link (body form)", async () => {
    const me = await loggedIn("reset");
    const { link } = await resetLink(me.email);
    const [uid, token] = link.pathname.split("/").filter(Boolean).slice(-2) as [string, string];
    const response = await confirm({ uid, token, ...pair() });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(DONE);
    expect((await login(me.username, NEW)).status).toBe(200);
    expect((await login(me.username, me.password)).status).toBe(400);
    expect((await eventsOf(me.pk)).map((e) => e.event)).toContain("password_reset");
    expect(mailTo(me.email).map((m) => m.subject)).toContain("[edge-rest-auth] Your password was reset");
  });

  it("works with the seed-004 path form and its aliases, with and without the slash", async () => {
    const me = await loggedIn("reset");
    const { uid, token } = await resetLink(me.email);
    const response = await confirmPath(uid, token, { new_password: NEW, confirm_password: NEW });
    expect(response.body).toEqual(DONE);
    expect((await login(me.username, NEW)).status).toBe(200);

    const other = await loggedIn("reset");
    const link = await resetLink(other.email);
    const slashless = await call("POST", `/auth/password/reset/confirm/${link.uid}/${link.token}`, { body: pair() });
    expect(slashless.body).toEqual(DONE);
  });

  it("is single-use", async () => {
    const me = await loggedIn("reset");
    const { uid, token } = await resetLink(me.email);
    expect((await confirm({ uid, token, ...pair() })).status).toBe(200);
    const again = await confirm({ uid, token, ...pair("another reset passphrase") });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ token: ["Invalid value"] });
    expect((await confirmPath(uid, token, pair("another reset passphrase"))).body).toEqual({ token: ["Invalid value"] });
  });

  it("token dies after a login", async () => {
    const me = await loggedIn("reset");
    const { uid, token } = await resetLink(me.email);
    clock.advance(1);
    expect((await login(me.username, me.password)).status).toBe(200);
    expect((await confirm({ uid, token, ...pair() })).body).toEqual({ token: ["Invalid value"] });
  });

  it("token dies after a password change", async () => {
    const me = await loggedIn("reset");
    const { uid, token } = await resetLink(me.email);
    const changed = await call("POST", "/auth/password/change/", {
      token: me.access,
      body: { old_password: me.password, new_password1: "changed in between", new_password2: "changed in between" },
    });
    expect(changed.status).toBe(200);
    expect((await confirm({ uid, token, ...pair() })).body).toEqual({ token: ["Invalid value"] });
  });

  it("token lives PASSWORD_RESET_TIMEOUT (3 days) and dies one second later", async () => {
    const a = await loggedIn("reset");
    const b = await loggedIn("reset");
    const linkA = await resetLink(a.email);
    const linkB = await resetLink(b.email);
    clock.advance(3 * 86400);
    expect((await confirm({ uid: linkA.uid, token: linkA.token, ...pair() })).body).toEqual(DONE);
    clock.advance(1);
    expect((await confirm({ uid: linkB.uid, token: linkB.token, ...pair() })).body).toEqual({ token: ["Invalid value"] });
  });

  it("checks uid before token: {uid: ['Invalid value']}", async () => {
    const me = await loggedIn("reset");
    const inactive = await loggedIn("reset");
    const { token } = await resetLink(me.email);
    const inactiveLink = await resetLink(inactive.email);
    await env.DB.prepare("update users set is_active = 0 where id = ?").bind(inactive.pk).run();
    for (const uid of ["!!!", "", "OTk5OTk5OTk5", btoa("abc").replace(/=+$/, ""), "MA"]) {
      const response = await confirm({ uid, token: "garbage", ...pair() });
      expect(response.status).toBe(400);
      expect(response.body).toEqual(uid === "" ? { uid: ["This field may not be blank."] } : { uid: ["Invalid value"] });
    }
    expect((await confirm({ uid: inactiveLink.uid, token: inactiveLink.token, ...pair() })).body).toEqual({ uid: ["Invalid value"] });
    expect((await confirm({ uid: "OTk5OTk5OTk5", token, ...pair("x"), new_password2: "y" })).body).toEqual({ uid: ["Invalid value"] });
    expect((await confirmPath("OTk5OTk5OTk5", "garbage", pair())).body).toEqual({ uid: ["Invalid value"] });
  });

  it("{token: ['Invalid value']} for a wrong token, checked before the passwords", async () => {
    const me = await loggedIn("reset");
    const other = await loggedIn("reset");
    const { uid } = await resetLink(me.email);
    const foreign = await resetLink(other.email);
    for (const token of ["garbage", "abc-123", foreign.token]) {
      expect((await confirm({ uid, token, ...pair() })).body).toEqual({ token: ["Invalid value"] });
    }
    expect((await confirm({ uid, token: "garbage", new_password1: "a", new_password2: "b" })).body).toEqual({ token: ["Invalid value"] });
    expect((await confirmPath(uid, "garbage", pair())).body).toEqual({ token: ["Invalid value"] });
  });

  it("reports mismatch and strength under new_password2 (confirm_password with aliases); the token survives", async () => {
    const me = await loggedIn("reset");
    const { uid, token } = await resetLink(me.email);
    expect((await confirm({ uid, token, new_password1: NEW, new_password2: `${NEW}?` })).body).toEqual({ new_password2: [MISMATCH] });
    expect((await confirm({ uid, token, ...pair("12345678") })).body).toEqual({
      new_password2: ["This password is too common.", "This password is entirely numeric."],
    });
    expect((await confirm({ uid, token, ...pair(me.username) })).body).toEqual({ new_password2: ["The password is too similar to the username."] });
    expect((await confirmPath(uid, token, { new_password: NEW, confirm_password: "nope nope nope" })).body).toEqual({ confirm_password: [MISMATCH] });
    expect((await confirm({ uid, token, ...pair() })).body).toEqual(DONE);
  });

  it("reports missing fields DRF-style before anything else", async () => {
    const response = await confirm({});
    expect(response.body).toEqual({
      uid: ["This field is required."],
      token: ["This field is required."],
      new_password1: ["This field is required."],
      new_password2: ["This field is required."],
    });
    expect((await confirmPath("MQ", "x-1", {})).body).toEqual({
      new_password1: ["This field is required."],
      new_password2: ["This field is required."],
    });
  });
});

describe("after a reset", () => {
  it("every family of the user is revoked", async () => {
    const me = await loggedIn("reset");
    const second = await login(me.username, me.password);
    const { uid, token } = await resetLink(me.email);
    expect((await confirm({ uid, token, ...pair() })).status).toBe(200);
    for (const access of [me.access, second.body.access]) {
      expect((await call("GET", "/auth/user/", { token: access })).status).toBe(401);
    }
    for (const refresh of [me.refresh, second.body.refresh]) {
      expect((await call("POST", "/auth/token/refresh/", { body: { refresh } })).status).toBe(401);
    }
  });

  it("an unverified address becomes verified (the link proved the mailbox)", async () => {
    const me = newIdentity("reset");
    const registered = await call("POST", "/auth/registration/", {
      body: { username: me.username, email: me.email, password1: me.password, password2: me.password },
    });
    expect(registered.status).toBe(201);
    expect((await login(me.username, me.password)).body).toEqual({ non_field_errors: ["E-mail is not verified."] });
    const { uid, token } = await resetLink(me.email);
    expect((await confirm({ uid, token, ...pair() })).body).toEqual(DONE);
    const row = await userRow(me.email);
    expect(row!.email_verified).toBe(1);
    expect((await login(me.username, NEW)).status).toBe(200);
    const events = (await eventsOf(row!.id)).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(["email_verified", "password_reset"]));
  });
});

describe("per-address throttle", () => {
  const throttled = { THROTTLE_ENABLED: "true" };
  const TOO_MANY = { detail: "Too many password reset requests for this e-mail address." };

  it("429 after 5 requests an hour for a known address", async () => {
    const me = await loggedIn("reset");
    for (let i = 0; i < 5; i++) expect((await requestReset(me.email, throttled)).status).toBe(200);
    const refused = await requestReset(me.email, throttled);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(TOO_MANY);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(3600);
    // Counted per address, whatever its case.
    expect((await requestReset(me.email.toUpperCase(), throttled)).body).toEqual(TOO_MANY);
  });

  it("applies identically to unknown addresses", async () => {
    const unknown = newIdentity("reset").email;
    for (let i = 0; i < 5; i++) expect((await requestReset(unknown, throttled)).body).toEqual(SENT);
    const refused = await requestReset(unknown, throttled);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(TOO_MANY);
    // Another address from the same client is unaffected.
    expect((await requestReset(newIdentity("reset").email, throttled)).status).toBe(200);
  });

  it("opens again in the next window", async () => {
    const unknown = newIdentity("reset").email;
    for (let i = 0; i < 5; i++) await requestReset(unknown, throttled);
    expect((await requestReset(unknown, throttled)).status).toBe(429);
    clock.advance(3600);
    expect((await requestReset(unknown, throttled)).status).toBe(200);
  });
});
