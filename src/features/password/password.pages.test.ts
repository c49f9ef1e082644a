// The reset pages a person sees: the form (labels, autocomplete, the hidden username for password
// managers, the alert region) and what the invalid-link and done pages tell them to do.
import { describe, expect, it } from "vitest";
import { call, linkIn, mailTo, registerVerified } from "../../../test/helpers";
import { only, select } from "../../../test/html";

async function formFor(env?: Record<string, string>) {
  const me = await registerVerified("resetpage", env);
  await call("POST", "/auth/password/reset/", { body: { email: me.email }, env });
  const opened = await call("GET", new URL(linkIn(mailTo(me.email).at(-1)!)).pathname, { env });
  const setCookies = (opened.headers as Headers & { getSetCookie(): string[] }).getSetCookie();
  const cookie = setCookies.map((line) => line.split(";")[0]).join("; ");
  const page = await call("GET", "/auth/password/reset/default/", { headers: { cookie }, env });
  expect(page.status).toBe(200);
  return { me, page: page.text };
}

describe("the reset form", () => {
  it("binds a label to each password input, both autocomplete=new-password", async () => {
    const { page } = await formFor();
    const passwords = await select(page, "form#reset input[type=password]");
    expect(passwords.map((p) => [p.attrs.name, p.attrs.autocomplete, "required" in p.attrs, p.attrs.maxlength])).toEqual([
      ["new_password1", "new-password", true, "128"],
      ["new_password2", "new-password", true, "128"],
    ]);
    const labels = await select(page, "label");
    expect(labels.map((l) => [l.attrs.for, l.text])).toEqual([
      ["new_password1", "New password"],
      ["new_password2", "Confirm new password"],
    ]);
    expect(passwords.map((p) => p.attrs.id)).toEqual(["new_password1", "new_password2"]);
  });

  it("carries a hidden username field with the account's username, so password managers file the new password under it", async () => {
    const { me, page } = await formFor();
    const username = await only(page, "form#reset input[name=username]");
    expect(username.attrs).toEqual({ type: "text", name: "username", autocomplete: "username", value: me.username, hidden: "" });
    // Shown too: the person sees which account they are resetting.
    expect((await only(page, "main strong")).text).toBe(me.username);
    // The form's own fields come first in the DOM: the username precedes the passwords, as managers expect.
    expect(page.indexOf('name="username"')).toBeLessThan(page.indexOf('name="new_password1"'));
  });

  it("uses the e-mail as that username when people sign in by e-mail only", async () => {
    const env = { ACCOUNT_LOGIN_METHODS: "email" };
    const { me, page } = await formFor(env);
    expect((await only(page, "input[name=username]")).attrs.value).toBe(me.email);
  });

  it("words the rules from PASSWORD_VALIDATORS", async () => {
    const { page } = await formFor({ PASSWORD_VALIDATORS: "common" });
    expect((await only(page, "#password-hint")).text).toBe("Avoid common passwords.");
  });

  it("has an alert region for errors, posts (never GETs) the form, and says the rules and what setting it does", async () => {
    const { page } = await formFor({ PASSWORD_MIN_LENGTH: "12" });
    const message = await only(page, "#message");
    expect(message.attrs).toMatchObject({ role: "alert", "aria-live": "assertive" });
    expect(message.text).toBe("");
    expect((await only(page, "input#new_password1")).attrs["aria-describedby"]).toBe("password-hint message");
    expect((await only(page, "#password-hint")).text).toBe(
      "Use at least 12 characters. Avoid common passwords, digits only and anything close to your username or e-mail.",
    );
    expect((await only(page, "form#reset")).attrs).toMatchObject({ method: "post", action: "/auth/password/reset/set-new/" });
    expect((await only(page, "form#reset button")).attrs.type).toBe("submit");
    expect(page).toContain("Setting it signs you out on every device.");
    // The script sends only the two passwords, with the CSRF header.
    const script = (await only(page, "script")).text;
    expect(script).toContain('body:JSON.stringify({new_password1:form.new_password1.value,new_password2:form.new_password2.value})');
    expect(script).toContain('"X-CSRFToken":csrf');
    expect(script).toContain('location.assign("/auth/password/reset/complete/")');
  });
});

describe("invalid reset links and the done page", () => {
  it("say why a link dies and how to get a new one, with the configured lifetimes", async () => {
    const env = { PASSWORD_RESET_TIMEOUT: "86400", PASSWORD_RESET_COOKIE_MAX_AGE: "1800" };
    for (const [path, first] of [
      ["/auth/password/reset/confirm/MQ/zzz-0/", "This password reset link is invalid or has expired."],
      ["/auth/password/reset/default/", "This password reset page has expired or its link was already used."],
    ] as const) {
      const page = await call("GET", path, { env });
      expect(page.status, path).toBe(400);
      const paragraphs = (await select(page.text, "main p")).map((p) => p.text);
      expect(paragraphs.slice(1)).toEqual([
        first,
        "Each link works once, for 1 day, and only the newest one counts; signing in or changing the password ends it too. The form it opens expires after 30 minutes.",
        "Haven’t set a new password yet? Open the link in your e-mail again, or get a new one with “Forgot password?” on the app’s sign-in page.",
      ]);
    }
  });

  it("the done page says every session was signed out and leads to sign in", async () => {
    const page = await call("GET", "/auth/password/reset/complete/", { env: { FRONTEND_URL: "https://app.example.com/login" } });
    expect(page.text).toContain("Your password has been set. You can now sign in with it.");
    expect(page.text).toContain("all your sessions were signed out");
    expect(await only(page.text, "a.button")).toEqual({ attrs: { class: "button", href: "https://app.example.com/login" }, text: "Sign in" });
  });
});
