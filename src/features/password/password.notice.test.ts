// The notice mail after a password change or reset says what happened to the sessions, under PRODUCT_NAME.
import { describe, expect, it } from "vitest";
import { call, linkIn, loggedIn, mailTo } from "../../../test/helpers";

const NEW = "a fresh tangerine skyline";

/** The password notices mailed to `email`. */
const noticesTo = (email: string) => mailTo(email).filter((m) => /Your password was/.test(m.subject));

describe("password notice mail", () => {
  it("after a change: the other sessions were signed out", async () => {
    const me = await loggedIn("notice");
    await call("POST", "/auth/password/change/", { token: me.access, body: { old_password: me.password, new_password1: NEW, new_password2: NEW } });
    const [notice] = noticesTo(me.email);
    expect(notice!.subject).toBe("[edge-rest-auth] Your password was changed");
    expect(notice!.text).toContain("your other sessions were signed out");
    expect(notice!.text).not.toContain("all your sessions");
  });

  it("after a change with LOGOUT_ON_PASSWORD_CHANGE: all of them, this one included", async () => {
    const env = { LOGOUT_ON_PASSWORD_CHANGE: "true" };
    const me = await loggedIn("notice", env);
    await call("POST", "/auth/password/change/", { token: me.access, env, body: { old_password: me.password, new_password1: NEW, new_password2: NEW } });
    const [notice] = noticesTo(me.email);
    expect(notice!.subject).toBe("[edge-rest-auth] Your password was changed");
    expect(notice!.text).toContain("all your sessions were signed out, this one included");
  });

  it("after a reset: all sessions, and the product's name where it says which account", async () => {
    const env = { PRODUCT_NAME: "Acme Notes" };
    const me = await loggedIn("notice", env);
    await call("POST", "/auth/password/reset/", { body: { email: me.email }, env });
    const resetMail = mailTo(me.email).at(-1)!;
    expect(resetMail.subject).toBe("[Acme Notes] Password reset");
    const [uid, token] = new URL(linkIn(resetMail)).pathname.split("/").filter(Boolean).slice(-2);
    const done = await call("POST", "/auth/password/reset/confirm/", { env, body: { uid, token, new_password1: NEW, new_password2: NEW } });
    expect(done.status).toBe(200);
    const [notice] = noticesTo(me.email);
    expect(notice!.subject).toBe("[Acme Notes] Your password was reset");
    expect(notice!.text).toContain("The password of your Acme Notes account was just reset");
    expect(notice!.text).toContain("all your sessions were signed out");
    expect(notice!.text.endsWith("— Acme Notes")).toBe(true);
  });
});
