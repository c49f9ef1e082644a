// Login finds an account by any case or width of its username or address (identifierKey), and nothing else.
import { describe, expect, it } from "vitest";
import { fullwidth, login, tag, verifiedAccount } from "../../../test/identity";

const UNABLE = { non_field_errors: ["Unable to log in with provided credentials."] };

describe("login/ by a folded username", () => {
  it("Üser logs in as Üser, üser and ÜSER", async () => {
    const name = `Ü${tag("lg")}`;
    await verifiedAccount(name, `${tag("lgm")}@example.com`);
    for (const username of [name, name.toLowerCase(), name.toUpperCase(), `U\u0308${name.slice(1)}`]) {
      const response = await login({ username });
      expect(response.status, username).toBe(200);
      expect(response.body.user.username).toBe(name);
    }
  });

  it("admin logs in as ａｄｍｉｎ and ＡＤＭＩＮ", async () => {
    const name = tag("lgw");
    await verifiedAccount(name, `${name}@example.com`);
    for (const username of [fullwidth(name), fullwidth(name.toUpperCase())]) {
      const response = await login({ username });
      expect(response.status, username).toBe(200);
      expect(response.body.user.username).toBe(name);
    }
  });

  it("a different name is still a different name: no prefix or confusable-but-distinct match", async () => {
    const name = tag("lgd");
    await verifiedAccount(`${name}ss`, `${name}@example.com`);
    for (const username of [`${name}s`, `${name}sss`, `${name}\u00df\u00df`, `${name}s\u200bs`]) {
      const response = await login({ username });
      expect(response.status, username).toBe(400);
      expect(response.body).toEqual(UNABLE);
    }
    // One ß is two s under the fold (Django's iexact on PostgreSQL agrees: UPPER('ß') = 'SS').
    expect((await login({ username: `${name}\u00df` })).status).toBe(200);
  });
});

describe("login/ by a folded address", () => {
  it("finds the account by e-mail in any case and width, in `email` and in `username`", async () => {
    const name = tag("lge");
    const email = `${name}@M\u00fcnchen.de`;
    await verifiedAccount(name, email);
    const spellings = [email, `${name.toUpperCase()}@M\u00dcNCHEN.DE`, `${name}@m\u00fcnchen.de`, `${name}@${fullwidth("MU")}\u0308nchen.de`];
    for (const address of spellings) {
      for (const body of [{ email: address }, { username: address }] as Array<Record<string, string>>) {
        const response = await login(body);
        expect(response.status, JSON.stringify(body)).toBe(200);
        expect(response.body.user.email).toBe(email);
      }
    }
    // A fullwidth local part is no valid address (Django's dot-atom is ASCII), but `username` is no
    // address field: typed into a "username or e-mail" box it still finds the account.
    expect((await login({ email: `${fullwidth(name)}@m\u00fcnchen.de` })).body).toEqual({ email: ["Enter a valid email address."] });
    expect((await login({ username: `${fullwidth(name)}@m\u00fcnchen.de` })).status).toBe(200);
  });

  it("refuses an address with an invisible character in `email` as a malformed address", async () => {
    const name = tag("lgz");
    await verifiedAccount(name, `${name}@example.com`);
    for (const email of [`${name}\u200b@example.com`, `${name}@exa\u202emple.com`, `${name}@example.com\u0000`]) {
      const response = await login({ email });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ email: ["Enter a valid email address."] });
    }
  });
});
