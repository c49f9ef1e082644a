// Every endpoint that takes an address: found by its fold (reset, resend, e-mail change), and an address
// with a zero-width, bidi or control character refused everywhere as Django's validator would, and more.
import { describe, expect, it } from "vitest";
import { call, loggedIn, mailTo, newIdentity, outbox } from "./helpers";
import { fullwidth, INVALID_EMAIL, PASSWORD, signUp, tag, verifiedAccount } from "./identity";

describe("password/reset/ by a folded address", () => {
  it("mails the stored address when asked in another case or width, or with the IDN domain in capitals", async () => {
    const name = tag("rst");
    const email = `${name}@m\u00fcnchen.de`;
    await verifiedAccount(name, email);
    for (const asked of [`${name.toUpperCase()}@M\u00dcNCHEN.DE`, `${name}@${fullwidth("m")}\u00fcnchen.de`, `${name}@mu\u0308nchen.de`]) {
      outbox.length = 0;
      const response = await call("POST", "/auth/password/reset/", { body: { email: asked } });
      expect(response.status).toBe(200);
      expect(outbox.map((mail) => mail.to)).toEqual([[email]]);
    }
  });

  it("sends nothing for an address that differs after the fold", async () => {
    const name = tag("rsn");
    await verifiedAccount(name, `${name}ss@example.com`);
    outbox.length = 0;
    const response = await call("POST", "/auth/password/reset/", { body: { email: `${name}s@example.com` } });
    expect(response.status).toBe(200);
    expect(outbox).toEqual([]);
  });
});

describe("registration/resend-email/ by a folded address", () => {
  it("sends a new key to the stored address", async () => {
    const name = tag("rse");
    const email = `${name}@B\u00fccher.example`;
    expect((await signUp(name, email)).status).toBe(201);
    outbox.length = 0;
    const response = await call("POST", "/auth/registration/resend-email/", { body: { email: `${name.toUpperCase()}@b\u00dcCHER.EXAMPLE` } });
    expect(response.status).toBe(200);
    expect(outbox.map((mail) => mail.to)).toEqual([[email]]);
  });
});

describe("email/change/ compares folded addresses", () => {
  it("refuses another account's address in another case or width, and its own in another case", async () => {
    const other = await loggedIn("chgo");
    const me = await loggedIn("chgm");
    const otherLocal = other.email.split("@")[0]!;
    for (const email of [other.email.toUpperCase(), `${otherLocal}@${fullwidth("EXAMPLE")}.com`]) {
      const response = await call("POST", "/auth/email/change/", { token: me.access, body: { email, password: me.password } });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ email: ["A user is already registered with this email address."] });
    }
    const own = await call("POST", "/auth/email/change/", { token: me.access, body: { email: me.email.toUpperCase(), password: me.password } });
    expect(own.status).toBe(400);
    expect(own.body).toEqual({ email: ["The new value must be different from the current one."] });
    expect(mailTo(other.email.toUpperCase())).toEqual([]);
  });
});

// Django's validator lets the first two through in a domain (its "Unicode letter" range is U+00A1–U+FFFF)
// and the third inside a quoted local part.
const INVISIBLE = [
  ["U+200B zero-width space", (local: string) => `${local}@exa\u200bmple.com`],
  ["U+202E right-to-left override", (local: string) => `${local}@\u202emoc.elpmaxe`],
  ["U+0007 control character in a quoted local part", (local: string) => `"${local}\u0007"@example.com`],
  ["U+200B in the local part", (local: string) => `${local}\u200b@example.com`],
  ["U+FEFF at the start (not whitespace to Python's strip())", (local: string) => `\ufeff${local}@example.com`],
  ["U+2066 bidi isolate", (local: string) => `${local}@example\u2066.com`],
] as const;

describe("addresses with invisible or control characters are refused", () => {
  it.each(INVISIBLE)("%s: registration, reset, resend, e-mail change and login", async (_what, make) => {
    const me = await loggedIn("inv");
    const fresh = newIdentity("inv");
    const email = make(fresh.username);
    outbox.length = 0;
    const answers = {
      registration: await call("POST", "/auth/registration/", { body: { username: fresh.username, email, password1: PASSWORD, password2: PASSWORD } }),
      reset: await call("POST", "/auth/password/reset/", { body: { email } }),
      resend: await call("POST", "/auth/registration/resend-email/", { body: { email } }),
      change: await call("POST", "/auth/email/change/", { token: me.access, body: { email, password: me.password } }),
      login: await call("POST", "/auth/login/", { body: { email, password: me.password } }),
    };
    for (const [endpoint, answer] of Object.entries(answers)) {
      expect(answer.status, endpoint).toBe(400);
      expect(answer.body, endpoint).toEqual({ email: [INVALID_EMAIL] });
    }
    expect(outbox).toEqual([]);
  }, 30_000);

  it("while the same addresses without the character are accepted", async () => {
    const fresh = newIdentity("vis");
    const response = await call("POST", "/auth/registration/", {
      body: { username: fresh.username, email: `${fresh.username}@example.com`, password1: PASSWORD, password2: PASSWORD },
    });
    expect(response.status).toBe(201);
  });
});
