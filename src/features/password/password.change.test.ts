// password/change/ (alias password/reset/change/): old password, SetPasswordForm checks, seed-004 aliases, session revocation.
import { describe, expect, it } from "vitest";
import { call, eventsOf, loggedIn, mailTo } from "../../../test/helpers";

const NEW = "a fresh tangerine skyline";
const MISMATCH = "The two password fields didn’t match."; // U+2019
const WRONG_OLD = "Your old password was entered incorrectly. Please enter it again.";
const SAVED = { detail: "New password has been saved." };
/** loggedIn() leaves its registration mail in the outbox. */
const CONFIRM_SUBJECT = "[edge-rest-auth] Please confirm your e-mail address";

type Me = Awaited<ReturnType<typeof loggedIn>>;

function change(me: Pick<Me, "access">, body: Record<string, unknown>, options: { path?: string; env?: Record<string, string> } = {}) {
  return call("POST", options.path ?? "/auth/password/change/", { token: me.access, body, env: options.env });
}
const full = (me: Pick<Me, "password">, next = NEW) => ({ old_password: me.password, new_password1: next, new_password2: next });
const login = (me: Pick<Me, "username">, password: string) => call("POST", "/auth/login/", { body: { username: me.username, password } });

describe("password/change/", () => {
  it("saves the new password: 200, new one logs in, old one does not", async () => {
    const me = await loggedIn("pwchange");
    const response = await change(me, full(me));
    expect(response.status).toBe(200);
    expect(response.body).toEqual(SAVED);
    expect((await login(me, NEW)).status).toBe(200);
    expect((await login(me, me.password)).body).toEqual({ non_field_errors: ["Unable to log in with provided credentials."] });
  });

  it("is served at the seed-000 alias password/reset/change/ (and without the slash)", async () => {
    const me = await loggedIn("pwchange");
    expect((await change(me, full(me), { path: "/auth/password/reset/change/" })).body).toEqual(SAVED);
    expect((await change({ access: me.access }, full({ password: NEW }, "yet another long phrase"), { path: "/auth/password/change" })).body).toEqual(SAVED);
  });

  it("requires authentication", async () => {
    const me = await loggedIn("pwchange");
    const response = await call("POST", "/auth/password/change/", { body: full(me) });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ detail: "Authentication credentials were not provided." });
  });

  it("records a password_change event", async () => {
    const me = await loggedIn("pwchange");
    await change(me, full(me));
    expect((await eventsOf(me.pk)).map((e) => e.event)).toContain("password_change");
  });
});

describe("old_password", () => {
  it("is required, reported with the other missing fields", async () => {
    const me = await loggedIn("pwchange");
    const missing = await change(me, { new_password1: NEW, new_password2: NEW });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ old_password: ["This field is required."] });
    const empty = await change(me, {});
    expect(empty.body).toEqual({
      old_password: ["This field is required."],
      new_password1: ["This field is required."],
      new_password2: ["This field is required."],
    });
    expect((await change(me, { ...full(me), old_password: "" })).body).toEqual({ old_password: ["This field may not be blank."] });
  });

  it("must be correct", async () => {
    const me = await loggedIn("pwchange");
    const response = await change(me, { ...full(me), old_password: "not my password" });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ old_password: [WRONG_OLD] });
    expect((await login(me, me.password)).status).toBe(200);
  });

  it("is checked before the new passwords are compared", async () => {
    const me = await loggedIn("pwchange");
    const response = await change(me, { old_password: "wrong", new_password1: NEW, new_password2: "different" });
    expect(response.body).toEqual({ old_password: [WRONG_OLD] });
  });

  it("is neither needed nor checked with OLD_PASSWORD_FIELD_ENABLED=false", async () => {
    const off = { OLD_PASSWORD_FIELD_ENABLED: "false" };
    const me = await loggedIn("pwchange");
    expect((await change(me, { new_password1: NEW, new_password2: NEW }, { env: off })).body).toEqual(SAVED);
    const again = await change(me, { old_password: "whatever", new_password1: "one more long phrase", new_password2: "one more long phrase" }, { env: off });
    expect(again.body).toEqual(SAVED);
    expect((await login(me, "one more long phrase")).status).toBe(200);
  });
});

describe("new passwords", () => {
  it("mismatch is reported under new_password2 with the U+2019 apostrophe", async () => {
    const me = await loggedIn("pwchange");
    const response = await change(me, { ...full(me), new_password2: `${NEW}!` });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ new_password2: [MISMATCH] });
    expect(response.text).toContain("didn\u2019t");
  });

  it("strength problems are reported under new_password2, in Django's validator order", async () => {
    const me = await loggedIn("pwchange");
    const pair = (p: string) => ({ old_password: me.password, new_password1: p, new_password2: p });
    expect((await change(me, pair("zq8!x"))).body).toEqual({
      new_password2: ["This password is too short. It must contain at least 8 characters."],
    });
    expect((await change(me, pair("12345678"))).body).toEqual({
      new_password2: ["This password is too common.", "This password is entirely numeric."],
    });
    expect((await change(me, pair(me.username))).body).toEqual({ new_password2: ["The password is too similar to the username."] });
  });

  it("missing or blank new fields are field errors", async () => {
    const me = await loggedIn("pwchange");
    expect((await change(me, { old_password: me.password, new_password1: NEW })).body).toEqual({ new_password2: ["This field is required."] });
    expect((await change(me, { old_password: me.password, new_password1: "", new_password2: NEW })).body).toEqual({
      new_password1: ["This field may not be blank."],
    });
  });

  it("are limited to 128 characters (old_password too)", async () => {
    const me = await loggedIn("pwchange");
    const long = "x".repeat(129);
    const tooLong = ["Ensure this field has no more than 128 characters."];
    expect((await change(me, { old_password: me.password, new_password1: long, new_password2: long })).body).toEqual({
      new_password1: tooLong,
      new_password2: tooLong,
    });
    expect((await change(me, { ...full(me), old_password: long })).body).toEqual({ old_password: tooLong });
    const max = "correct horse ".repeat(10).slice(0, 128);
    expect((await change(me, { old_password: me.password, new_password1: max, new_password2: max })).body).toEqual(SAVED);
    expect((await login(me, max)).status).toBe(200);
  });

  it("are not trimmed", async () => {
    const me = await loggedIn("pwchange");
    expect((await change(me, full(me, ` ${NEW} `))).body).toEqual(SAVED);
    expect((await login(me, ` ${NEW} `)).status).toBe(200);
    expect((await login(me, NEW)).status).toBe(400);
  });
});

describe("seed-004 aliases new_password / confirm_password", () => {
  it("are accepted", async () => {
    const me = await loggedIn("pwchange");
    const response = await change(me, { old_password: me.password, new_password: NEW, confirm_password: NEW });
    expect(response.body).toEqual(SAVED);
    expect((await login(me, NEW)).status).toBe(200);
  });

  it("report mismatch and strength under confirm_password", async () => {
    const me = await loggedIn("pwchange");
    const mismatch = await change(me, { old_password: me.password, new_password: NEW, confirm_password: "something else entirely" });
    expect(mismatch.body).toEqual({ confirm_password: [MISMATCH] });
    const weak = await change(me, { old_password: me.password, new_password: "password", confirm_password: "password" });
    expect(weak.body).toEqual({ confirm_password: ["This password is too common."] });
    const long = "y".repeat(129);
    const tooLong = await change(me, { old_password: me.password, new_password: long, confirm_password: long });
    expect(tooLong.body).toEqual({
      new_password: ["Ensure this field has no more than 128 characters."],
      confirm_password: ["Ensure this field has no more than 128 characters."],
    });
  });

  it("are ignored when the canonical names are present", async () => {
    const me = await loggedIn("pwchange");
    const response = await change(me, { ...full(me), new_password: "ignored", confirm_password: "also ignored" });
    expect(response.body).toEqual(SAVED);
    expect((await login(me, NEW)).status).toBe(200);
  });
});

describe("side effects", () => {
  it("revokes the user's other sessions but keeps the caller's family", async () => {
    const me = await loggedIn("pwchange");
    const other = await login(me, me.password);
    const stranger = await loggedIn("pwchange");
    expect((await change(me, full(me))).status).toBe(200);

    expect((await call("GET", "/auth/user/", { token: other.body.access })).status).toBe(401);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: other.body.refresh } })).status).toBe(401);

    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(200);
    const next = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } });
    expect(next.status).toBe(200);
    expect((await call("GET", "/auth/user/", { token: next.body.access })).status).toBe(200);

    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: stranger.refresh } })).status).toBe(200);
  });

  it("revokes the caller's family too with LOGOUT_ON_PASSWORD_CHANGE=true", async () => {
    const me = await loggedIn("pwchange");
    const other = await login(me, me.password);
    const response = await change(me, full(me), { env: { LOGOUT_ON_PASSWORD_CHANGE: "true" } });
    expect(response.body).toEqual(SAVED);
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(401);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } })).status).toBe(401);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: other.body.refresh } })).status).toBe(401);
  });

  it("sends a notice mail (NOTIFY_PASSWORD_CHANGE), and none when it is off", async () => {
    const me = await loggedIn("pwchange");
    await change(me, full(me));
    const [notice] = mailTo(me.email).filter((mail) => mail.subject !== CONFIRM_SUBJECT);
    expect(notice!.subject).toBe("[edge-rest-auth] Your password was changed");
    expect(notice!.text).toContain(me.username);

    const quiet = await loggedIn("pwchange");
    await change(quiet, full(quiet), { env: { NOTIFY_PASSWORD_CHANGE: "false" } });
    expect(mailTo(quiet.email).filter((mail) => mail.subject !== CONFIRM_SUBJECT)).toEqual([]);
  });

  it("sends no mail and changes nothing on a refused change", async () => {
    const me = await loggedIn("pwchange");
    await change(me, { ...full(me), old_password: "wrong" });
    expect(mailTo(me.email).filter((mail) => mail.subject !== CONFIRM_SUBJECT)).toEqual([]);
    expect((await eventsOf(me.pk)).map((e) => e.event)).not.toContain("password_change");
  });

  it("kills an outstanding password reset token", async () => {
    const me = await loggedIn("pwchange");
    await call("POST", "/auth/password/reset/", { body: { email: me.email } });
    const mail = mailTo(me.email).at(-1)!;
    const uid = /uid: (\S+)/.exec(mail.text)![1]!;
    const token = /token: (\S+)/.exec(mail.text)![1]!;
    expect((await change(me, full(me))).status).toBe(200);
    const confirm = await call("POST", "/auth/password/reset/confirm/", {
      body: { uid, token, new_password1: "reset after change", new_password2: "reset after change" },
    });
    expect(confirm.status).toBe(400);
    expect(confirm.body).toEqual({ token: ["Invalid value"] });
  });
});
