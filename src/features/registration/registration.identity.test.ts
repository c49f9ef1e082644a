// One account per name and per address under identifierKey (NFKC + full case fold): sign-up, user edits, blacklist.
import { describe, expect, it } from "vitest";
import { call, loggedIn } from "../../../test/helpers";
import { BLACKLISTED, countUsers, EMAIL_TAKEN, fullwidth, idByEmail, keysOf, signUp, tag, USERNAME_TAKEN } from "../../../test/identity";

async function expectRefused(response: Awaited<ReturnType<typeof signUp>>, body: Record<string, string[]>) {
  expect(response.status).toBe(400);
  expect(response.body).toEqual(body);
}

describe("sign-up: one account per folded username", () => {
  it("Üser and üser are one name (SQLite's lower() kept them apart)", async () => {
    const name = tag("ser");
    expect((await signUp(`Ü${name}`, `${name}1@example.com`)).status).toBe(201);
    const before = await countUsers();
    await expectRefused(await signUp(`ü${name}`, `${name}2@example.com`), { username: [USERNAME_TAKEN] });
    await expectRefused(await signUp(`Ü${name.toUpperCase()}`, `${name}3@example.com`), { username: [USERNAME_TAKEN] });
    expect(await countUsers()).toBe(before);
  });

  it("ａｄｍｉｎ is stored as admin (Django's NFKC) and is the same name as admin", async () => {
    const name = tag("adm");
    const response = await signUp(fullwidth(name), `${name}@example.com`);
    expect(response.status).toBe(201);
    expect(await keysOf(await idByEmail(`${name}@example.com`))).toMatchObject({ username: name, username_key: name, email_key: `${name}@example.com` });
    await expectRefused(await signUp(name, `${name}2@example.com`), { username: [USERNAME_TAKEN] });
    await expectRefused(await signUp(fullwidth(name.toUpperCase()), `${name}3@example.com`), { username: [USERNAME_TAKEN] });
  });

  it("ß and ss, and final and medial sigma, fold together", async () => {
    const name = tag("x");
    expect((await signUp(`stra\u00dfe${name}`, `${name}1@example.com`)).status).toBe(201);
    await expectRefused(await signUp(`STRASSE${name}`, `${name}2@example.com`), { username: [USERNAME_TAKEN] });
    expect((await signUp(`${name}\u03bf\u03b4\u03bf\u03c2`, `${name}3@example.com`)).status).toBe(201);
    await expectRefused(await signUp(`${name}\u039f\u0394\u039f\u03a3`, `${name}4@example.com`), { username: [USERNAME_TAKEN] });
  });

  it("concurrent sign-ups of Üser and üser: exactly one account (the unique key index decides)", async () => {
    const name = tag("race");
    const answers = await Promise.all([
      signUp(`Ü${name}`, `${name}1@example.com`),
      signUp(`ü${name}`, `${name}2@example.com`),
      signUp(`Ü${name.toUpperCase()}`, `${name}3@example.com`),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 400, 400]);
    for (const refused of answers.filter((a) => a.status === 400)) expect(refused.body).toEqual({ username: [USERNAME_TAKEN] });
  });
});

describe("sign-up: one account per folded address", () => {
  it("refuses the address in another case, in another width, or with an IDN domain in another case", async () => {
    const name = tag("mail");
    expect((await signUp(`${name}a`, `${name}@example.com`)).status).toBe(201);
    await expectRefused(await signUp(`${name}b`, `${name.toUpperCase()}@EXAMPLE.COM`), { email: [EMAIL_TAKEN] });
    await expectRefused(await signUp(`${name}c`, `${name}@${fullwidth("example")}.com`), { email: [EMAIL_TAKEN] });
    expect((await signUp(`${name}d`, `${name}@m\u00fcnchen.de`)).status).toBe(201);
    await expectRefused(await signUp(`${name}e`, `${name}@M\u00dcNCHEN.DE`), { email: [EMAIL_TAKEN] });
  });

  it("stores the address as typed and its key folded", async () => {
    const name = tag("keep");
    expect((await signUp(name, `${name.toUpperCase()}@M\u00dcNCHEN.DE`)).status).toBe(201);
    const row = await keysOf(await idByEmail(`${name}@münchen.de`));
    expect(row).toEqual({ username: name, username_key: name, email: `${name.toUpperCase()}@M\u00dcNCHEN.DE`, email_key: `${name}@m\u00fcnchen.de` });
  });
});

describe("ACCOUNT_USERNAME_BLACKLIST compares folded names", () => {
  const vars = { ACCOUNT_USERNAME_BLACKLIST: '["admin","ＲＯＯＴ"]' };

  it("refuses fullwidth, upper-case and mixed spellings of a listed name, and a listed name given in fullwidth", async () => {
    for (const username of ["ａｄｍｉｎ", "ＡＤＭＩＮ", "Admin", "ａdmｉn", "root", "Root"]) {
      const response = await signUp(username, `${tag("bl")}@example.com`, vars);
      expect(response.status, username).toBe(400);
      expect(response.body).toEqual({ username: [BLACKLISTED] });
    }
  });

  it("refuses them on user/ too", async () => {
    const me = await loggedIn("blpatch");
    const response = await call("PATCH", "/auth/user/", { token: me.access, body: { username: "ＡＤＭＩＮ" }, env: vars });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ username: [BLACKLISTED] });
  });
});

describe("user/ edits", () => {
  it("refuses another account's name in another case or width; stores the NFKC form and its key", async () => {
    const other = await loggedIn("uedito");
    const me = await loggedIn("ueditm");
    for (const username of [other.username.toUpperCase(), fullwidth(other.username)]) {
      const response = await call("PATCH", "/auth/user/", { token: me.access, body: { username } });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ username: [USERNAME_TAKEN] });
    }
    const mine = `${fullwidth(me.username.toUpperCase())}`;
    const renamed = await call("PATCH", "/auth/user/", { token: me.access, body: { username: mine } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.username).toBe(me.username.toUpperCase());
    expect(await keysOf(me.pk)).toMatchObject({ username: me.username.toUpperCase(), username_key: me.username });
    const unicode = await call("PATCH", "/auth/user/", { token: me.access, body: { username: `Ü${me.username}` } });
    expect(unicode.status).toBe(200);
    expect(await keysOf(me.pk)).toMatchObject({ username: `Ü${me.username}`, username_key: `ü${me.username}` });
  });
});
