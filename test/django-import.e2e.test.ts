// End to end: a real `dumpdata` of a throwaway Django 3.2 + allauth 0.51 project (scripts/django-fixtures.py)
// goes through the importer into D1; its users then log in over HTTP and their hashes are replaced by ours.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import dump from "./fixtures/django-dump.json";
import passwords from "./fixtures/django-dump.passwords.json";
import { type ImportReport, importRecords } from "../src/import/django-import";
import { call, jwtPayload } from "./helpers";

const UNABLE = { non_field_errors: ["Unable to log in with provided credentials."] };
const password = (username: keyof typeof passwords.users) => passwords.users[username].password!;
const row = (username: string) => env.DB.prepare("select * from users where username = ?").bind(username).first<Record<string, any>>();

async function apply(statements: string[]): Promise<void> {
  for (const statement of statements) await env.DB.prepare(statement).run();
}

let report: ImportReport;

beforeAll(async () => {
  const result = importRecords(dump);
  report = result.report;
  await apply(result.statements);
});

describe("importing a real dumpdata", () => {
  it("imports users with their ids, one address each, and the social accounts", async () => {
    expect(report).toMatchObject({ users: 8, addresses: 8, verifiedAddresses: 5, socialAccounts: 2 });
    const { results } = await env.DB.prepare("select id, username, email, email_verified, is_active from users order by id").all();
    expect(results).toEqual([
      { id: 1, username: "alice", email: "alice@example.com", email_verified: 1, is_active: 1 },
      { id: 2, username: "bob", email: "bob@example.com", email_verified: 1, is_active: 1 },
      { id: 3, username: "carol", email: "carol@example.com", email_verified: 1, is_active: 1 },
      { id: 4, username: "dave", email: "dave@example.com", email_verified: 1, is_active: 0 },
      { id: 5, username: "erin", email: "erin@example.com", email_verified: 1, is_active: 1 },
      // The primary address (unverified), not the verified secondary one.
      { id: 6, username: "frank", email: "Frank@Example.com", email_verified: 0, is_active: 1 },
      // grace's primary is alice's address in another case: she keeps her auth_user.email, unverified.
      { id: 9, username: "grace", email: "grace@example.com", email_verified: 0, is_active: 1 },
      // No allauth row at all (createsuperuser-style): the address, unverified.
      { id: 10, username: "heidi", email: "heidi@example.com", email_verified: 0, is_active: 1 },
    ]);
    const alice = await row("alice");
    expect(alice).toMatchObject({ first_name: "Alice", last_name: "O'Brien", password: passwords.users.alice.hash });
    expect(alice!.date_joined).toBe(Date.parse(dump[0]!.fields.date_joined!));
    expect(alice!.last_login).toBe(Date.parse(dump[0]!.fields.last_login!));
    expect((await row("bob"))!.last_login).toBeNull();
    expect(await row("bob")).toMatchObject({ first_name: "Bob 🚀", last_name: "'); DROP TABLE users;--" });
    const { n } = (await env.DB.prepare("select count(*) as n from profiles where user_id in (select id from users)").first<{ n: number }>())!;
    expect(n).toBe(8);
  });

  it("keeps allauth's social accounts, extra_data as JSON", async () => {
    const { results } = await env.DB.prepare("select id, user_id, provider, uid, extra_data from social_accounts order by id").all<Record<string, any>>();
    expect(results.map((r) => [r.id, r.user_id, r.provider, r.uid])).toEqual([
      [1, 5, "google", "109876543210"],
      [2, 1, "github", "4242"],
    ]);
    expect(JSON.parse(results[0]!.extra_data)).toEqual({ email: "erin@example.com", name: "Erin 'E' Ünal", email_verified: true });
    expect(JSON.parse(results[1]!.extra_data).bio).toBe("quotes ' \" and \\ backslashes; -- comment");
  });

  it("reports every row it left out, with why", () => {
    expect(report.skipped).toEqual([
      { model: "auth.user", pk: 7, reason: 'username "ALICE" is taken, case-insensitively, by user 1' },
      { model: "auth.user", pk: 8, reason: 'username "bad name" is not valid here (letters, digits and @/./+/-/_ only)' },
      { model: "account.emailaddress", pk: 6, reason: "secondary address: one address per user is kept (the primary)" },
      { model: "account.emailaddress", pk: 8, reason: "address taken, case-insensitively, by user 1" },
    ]);
    expect(report.hashers).toEqual({ pbkdf2_sha256: 3, bcrypt_sha256: 1, argon2: 1, "!": 1, pbkdf2_sha1: 1, md5: 1 });
    expect(report.warnings).toEqual(["1 users have md5 password hashes, which we cannot verify: they must reset their password"]);
  });
});

describe("logging in as imported users", () => {
  it.each([
    ["alice", "pbkdf2_sha256$260000$"],
    ["bob", "bcrypt_sha256$$2b$10$"],
    ["carol", "argon2$argon2id$v=19$m=4096,t=2,p=2$"],
  ] as const)("%s logs in with the Django password, and D1 then holds our hash", async (username, djangoPrefix) => {
    expect((await row(username))!.password.startsWith(djangoPrefix)).toBe(true);
    const response = await call("POST", "/auth/login/", { body: { username, password: password(username) } });
    expect(response.status).toBe(200);
    const id = (await row(username))!.id;
    expect(response.body.user).toMatchObject({ pk: id, username });
    expect(jwtPayload(response.body.access).user_id).toBe(String(id));
    const after = await row(username);
    expect(after!.password).toMatch(/^pbkdf2_sha256\$1000\$[A-Za-z0-9]{22}\$[A-Za-z0-9+/]{43}=$/);
    expect(after!.last_login).toBeGreaterThan(Date.parse(dump[0]!.fields.last_login!));
    // By e-mail too, now against our hash.
    expect((await call("POST", "/auth/login/", { body: { email: after!.email, password: password(username) } })).status).toBe(200);
    // Django's 260,000 iterations in plain JS: a margin for a busy machine, not a wait.
  }, 60_000);

  it("a wrong password fails and leaves the Django hash in place", async () => {
    const before = (await row("frank"))!.password;
    expect((await call("POST", "/auth/login/", { body: { username: "frank", password: "nope" } })).body).toEqual(UNABLE);
    expect((await row("frank"))!.password).toBe(before);
  });

  it("inactive, password-less and md5 users cannot log in; an unverified primary needs verification", async () => {
    expect((await call("POST", "/auth/login/", { body: { username: "dave", password: password("dave") } })).body).toEqual(UNABLE);
    expect((await call("POST", "/auth/login/", { body: { username: "erin", password: "" } })).status).toBe(400);
    expect((await call("POST", "/auth/login/", { body: { username: "grace", password: password("grace") } })).body).toEqual(UNABLE);
    expect((await call("POST", "/auth/login/", { body: { username: "frank", password: password("frank") } })).body).toEqual({
      non_field_errors: ["E-mail is not verified."],
    });
  });

  it("re-running the import changes nothing, and keeps the hashes users replaced by logging in", async () => {
    const before = await env.DB.prepare("select * from users order by id").all();
    const again = importRecords(dump);
    await apply(again.statements);
    expect(again.report.users).toBe(8);
    expect((await env.DB.prepare("select * from users order by id").all()).results).toEqual(before.results);
    expect((await env.DB.prepare("select count(*) as n from social_accounts").first<{ n: number }>())!.n).toBe(2);
    expect((await row("alice"))!.password).toMatch(/^pbkdf2_sha256\$1000\$/);
  });

  it("new sign-ups get ids after the imported ones", async () => {
    const response = await call("POST", "/auth/registration/", {
      body: { username: "newcomer", email: "newcomer@example.com", password1: "correct horse battery", password2: "correct horse battery" },
    });
    expect(response.status).toBe(201);
    expect((await row("newcomer"))!.id).toBe(11);
  });
});
