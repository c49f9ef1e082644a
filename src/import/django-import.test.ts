// The Django importer against real D1: what lands, what is skipped and why, re-runs, statement packing.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type ImportOptions, importRecords } from "./django-import";

type Fields = Record<string, unknown>;
const JOINED = "2021-03-04T05:06:07.890Z";

function user(pk: number, username: string, fields: Fields = {}) {
  return {
    model: "auth.user",
    pk,
    fields: {
      password: "pbkdf2_sha256$260000$salt$hash=", last_login: null, is_superuser: false, username,
      first_name: "", last_name: "", email: `${username}@example.com`, is_staff: false, is_active: true,
      date_joined: JOINED, groups: [], user_permissions: [], ...fields,
    },
  };
}
const address = (pk: number, owner: string | number, email: string, verified: boolean, primary: boolean) => ({
  model: "account.emailaddress", pk, fields: { user: typeof owner === "number" ? owner : [owner], email, verified, primary },
});
const social = (pk: number, owner: string, provider: string, uid: string, extra: unknown = {}) => ({
  model: "socialaccount.socialaccount", pk, fields: { user: [owner], provider, uid, last_login: JOINED, date_joined: JOINED, extra_data: extra },
});

async function run(records: unknown[], options?: ImportOptions) {
  const result = importRecords(records, options);
  for (const statement of result.statements) await env.DB.prepare(statement).run();
  return result;
}
const users = (from: number, to: number) =>
  env.DB.prepare("select * from users where id between ? and ? order by id").bind(from, to).all<Record<string, any>>().then((r) => r.results);

describe("identifier keys", () => {
  it("writes username_key and email_key; names and addresses equal under the fold are one, the first in the dump wins", async () => {
    const { report } = await run([
      user(191, "\u00dcmit", { email: "umit@Example.com" }),
      user(192, "\u00fcmit", { email: "other192@example.com" }), // Django: another user; here the same name
      user(193, "\uff41\uff44\uff4d\uff49\uff4e191", { email: "a193@m\u00fcnchen.de" }), // fullwidth "admin191"
      user(194, "ADMIN191", { email: "a194@example.com" }),
      user(195, "stra\u00dfe191", { email: "A193@M\u00dcNCHEN.DE" }), // its address is user 193's, folded
    ]);
    expect(report.skipped).toEqual([
      { model: "auth.user", pk: 192, reason: 'username "\u00fcmit" is taken, case-insensitively, by user 191' },
      { model: "auth.user", pk: 194, reason: 'username "ADMIN191" is taken, case-insensitively, by user 193' },
      { model: "auth.user", pk: 195, reason: 'email "A193@M\u00dcNCHEN.DE" is taken, case-insensitively, by user 193: user imported without an address' },
    ]);
    expect((await users(191, 195)).map((u) => [u.id, u.username, u.username_key, u.email, u.email_key])).toEqual([
      [191, "\u00dcmit", "\u00fcmit", "umit@Example.com", "umit@example.com"],
      [193, "\uff41\uff44\uff4d\uff49\uff4e191", "admin191", "a193@m\u00fcnchen.de", "a193@m\u00fcnchen.de"],
      [195, "stra\u00dfe191", "strasse191", "", ""],
    ]);
  });
});

describe("what lands in D1", () => {
  it("hostile values, byte for byte", async () => {
    const name = "O'Brien'); DROP TABLE users;-- \\ $$ \0 🚀 e\u0301";
    const hash = "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuuOBrien'; --/*";
    const extra = { bio: "quotes ' \" \\ ; -- /* */ $tag$", nested: { emoji: "🚀", nul: "\0" } };
    await run([user(101, "Zoë.Ünal+x@y_1-2", { first_name: name, last_name: "\n\t", password: hash, email: "zoë@exämple.com" }), social(101, "Zoë.Ünal+x@y_1-2", "pro'vider", "ui'd\0", extra)]);
    const [row] = await users(101, 101);
    expect(row).toMatchObject({ username: "Zoë.Ünal+x@y_1-2", first_name: name, last_name: "\n\t", password: hash, email: "zoë@exämple.com" });
    const account = await env.DB.prepare("select * from social_accounts where id = 101").first<Record<string, any>>();
    expect(account).toMatchObject({ user_id: 101, provider: "pro'vider", uid: "ui'd\0" });
    expect(JSON.parse(account!.extra_data)).toEqual(extra);
  });

  it("datetimes as Unix ms (naive ones as UTC), flags, names, a profile row", async () => {
    await run([
      user(111, "dates", { date_joined: "2020-01-02T03:04:05.678", last_login: "2020-02-03T04:05:06.789+02:00", is_active: false, first_name: "Ann", last_name: "Lee" }),
    ]);
    const [row] = await users(111, 111);
    expect(row).toMatchObject({
      date_joined: Date.UTC(2020, 0, 2, 3, 4, 5, 678), last_login: Date.UTC(2020, 1, 3, 2, 5, 6, 789),
      is_active: 0, first_name: "Ann", last_name: "Lee", email_verified: 0,
    });
    expect(await env.DB.prepare("select user_id from profiles where user_id = 111").first()).toEqual({ user_id: 111 });
  });
});

describe("one address per user", () => {
  it("allauth's primary wins, also over another user's stale auth_user.email; others fall back to theirs", async () => {
    const { report } = await run([
      user(121, "pia", { email: "old-pia@example.com" }),
      user(122, "quin", { email: "pia@example.com" }), // stale: allauth moved pia@ to pia
      user(123, "ravi", { email: "Ravi@Example.com" }),
      user(124, "sam", { email: "" }),
      address(121, "pia", "pia@example.com", true, true),
      address(122, "pia", "old-pia@example.com", true, false),
      address(123, 123, "ravi@example.com", true, false), // by pk; matches auth_user.email in another case
    ]);
    expect((await users(121, 124)).map((u) => [u.username, u.email, u.email_verified])).toEqual([
      ["pia", "pia@example.com", 1],
      ["quin", "", 0],
      ["ravi", "ravi@example.com", 1],
      ["sam", "", 0],
    ]);
    expect(report.skipped).toEqual([
      { model: "auth.user", pk: 122, reason: 'email "pia@example.com" is taken, case-insensitively, by user 121: user imported without an address' },
      { model: "account.emailaddress", pk: 122, reason: "secondary address: one address per user is kept (the primary)" },
    ]);
  });

  it("reports every other row it leaves out, with why", async () => {
    const { report } = await run([
      user(131, "tess"),
      user(132, "TESS"),
      user(133, "has space"),
      user(134, "bad@date", { date_joined: "yesterday" }),
      user(131, "tess-again"),
      user(-1, "negative"),
      { model: "auth.user", fields: user(1, "naturalprimary").fields },
      address(131, "tess", "tess@example.com", true, true),
      address(132, "tess", "tess2@example.com", true, true),
      address(133, "TESS", "x@example.com", true, true),
      address(134, 999_999, "y@example.com", true, true),
      address(135, "tess", "not an address", true, false),
      address(136, "tess", "TESS@example.com", false, false),
      social(131, "tess", "google", "1"),
      social(132, "tess", "google", "1"),
      social(133, "nobody", "github", "2"),
      { model: "sessions.session", pk: "abc", fields: {} },
      ["not", "a", "record"],
    ]);
    expect(report.skipped).toEqual([
      { model: "auth.user", pk: 132, reason: 'username "TESS" is taken, case-insensitively, by user 131' },
      { model: "auth.user", pk: 133, reason: 'username "has space" is not valid here (letters, digits and @/./+/-/_ only)' },
      { model: "auth.user", pk: 134, reason: 'date_joined "yesterday" is not a datetime' },
      { model: "auth.user", pk: 131, reason: 'pk 131 appears twice' },
      { model: "auth.user", pk: -1, reason: "pk is not a positive integer" },
      { model: "auth.user", pk: undefined, reason: "no pk: dump without --natural-primary" },
      { model: "account.emailaddress", pk: 132, reason: "a second primary address: the first one is kept" },
      { model: "account.emailaddress", pk: 133, reason: 'unknown user ["TESS"]' },
      { model: "account.emailaddress", pk: 134, reason: "unknown user pk 999999" },
      { model: "account.emailaddress", pk: 135, reason: 'address "not an address" is not an e-mail address' },
      { model: "account.emailaddress", pk: 136, reason: "the user's address again, in another case" },
      { model: "socialaccount.socialaccount", pk: 132, reason: "same provider and uid as row 131" },
      { model: "socialaccount.socialaccount", pk: 133, reason: 'unknown user ["nobody"]' },
      { model: "sessions.session", pk: "abc", reason: "model sessions.session is not imported" },
      { model: "?", pk: undefined, reason: "not a dumpdata record ({model, pk, fields})" },
    ]);
    expect(report).toMatchObject({ users: 1, addresses: 1, verifiedAddresses: 1, socialAccounts: 1, skippedRows: 15 });
  });

  it("hands skipped rows to onSkip as they come instead of keeping them", () => {
    const seen: unknown[] = [];
    const { report } = importRecords([user(181, "xena"), user(182, "XENA"), address(181, "nobody", "n@example.com", true, true)], { onSkip: (row) => seen.push(row.pk) });
    expect(seen).toEqual([182, 181]);
    expect(report.skipped).toEqual([]);
    expect(report.skippedRows).toBe(2);
  });
});

describe("warnings", () => {
  it("custom user model fields, hashes we cannot verify, argon2 over the memory limit", () => {
    const { report } = importRecords(
      [
        { ...user(141, "custom", { phone: "1", password: "md5$salt$abc" }), model: "accounts.user" },
        { ...user(142, "custom2", { phone: "2", avatar: "", password: "argon2$argon2id$v=19$m=262144,t=2,p=8$c2FsdHNhbHQ$aGFzaA" }), model: "accounts.user" },
      ],
      { userModel: "accounts.user" },
    );
    expect(report.users).toBe(2);
    expect(report.warnings).toEqual([
      "accounts.user has fields Django's User has not; they are not imported: phone (2 rows), avatar (1 rows)",
      "1 users have md5 password hashes, which we cannot verify: they must reset their password",
      "1 argon2 hashes need more than 100 MiB (m > 102400): a Worker cannot verify them, those users must reset their password",
    ]);
  });

  it("a dump of a custom user model without --user-model says which model to name", () => {
    const { report } = importRecords([{ ...user(151, "someone"), model: "accounts.user" }]);
    expect(report.users).toBe(0);
    expect(report.warnings).toEqual(["no auth.user rows, but accounts.user (1 rows) looks like a user model: pass --user-model accounts.user"]);
  });
});

describe("running it again", () => {
  it("updates in place and never duplicates", async () => {
    const dump = [user(161, "uma", { first_name: "Uma" }), address(161, "uma", "uma@example.com", false, true), social(161, "uma", "github", "161")];
    await run(dump);
    await env.DB.prepare("update profiles set bio = 'written here' where user_id = 161").run();
    const first = await users(161, 161);
    await run(dump);
    expect(await users(161, 161)).toEqual(first);
    const changed = [user(161, "uma", { first_name: "Uma B.", is_active: false }), address(161, "uma", "uma@example.com", true, true), social(161, "uma", "github", "161", { v: 2 })];
    await run(changed);
    expect((await users(161, 161))[0]).toMatchObject({ first_name: "Uma B.", is_active: 0, email_verified: 1, password: first[0]!.password });
    expect(await env.DB.prepare("select count(*) as n, max(extra_data) as x from social_accounts where user_id = 161").first()).toEqual({ n: 1, x: '{"v":2}' });
    expect(await env.DB.prepare("select bio from profiles where user_id = 161").first()).toEqual({ bio: "written here" });
  });

  it("keeps the password and last login of a user who logged in or changed the password here since", async () => {
    await run([user(171, "vic", { password: "pbkdf2_sha256$260000$a$old=", last_login: "2024-01-01T00:00:00Z" }), user(172, "wes", { password: "pbkdf2_sha256$260000$b$old=" })]);
    const later = Date.UTC(2025, 0, 1);
    await env.DB.prepare("update users set password = 'ours-after-login', last_login = ? where id = 171").bind(later).run();
    await env.DB.prepare("update users set password = 'ours-after-reset', updated_at = ? where id = 172").bind(later).run();
    await run([
      user(171, "vic", { password: "pbkdf2_sha256$260000$a$new=", last_login: "2024-01-01T00:00:00Z", first_name: "Vic" }),
      user(172, "wes", { password: "pbkdf2_sha256$260000$b$new=" }),
    ]);
    expect((await users(171, 172)).map((u) => [u.password, u.last_login, u.first_name])).toEqual([
      ["ours-after-login", later, "Vic"],
      ["ours-after-reset", null, ""],
    ]);
    // A dump newer than our last change wins again.
    await run([user(172, "wes", { password: "pbkdf2_sha256$260000$b$newest=", last_login: "2026-01-01T00:00:00Z" })]);
    expect((await users(172, 172))[0]!.password).toBe("pbkdf2_sha256$260000$b$newest=");
  });
});

describe("statements", () => {
  const many = Array.from({ length: 60 }, (_, i) => user(201 + i, `many${i}`, { first_name: "x".repeat(i * 20) }));
  const accounts = Array.from({ length: 10 }, (_, i) => social(201 + i, `many${i}`, "google", `g${i}`));

  it("pack rows up to the size asked for, social accounts after their users, and all apply", async () => {
    const { statements, report } = await run([...many, ...accounts], { maxStatementBytes: 3000 });
    expect(statements.length).toBeGreaterThan(10);
    const lengths = statements.filter((s) => s.startsWith("INSERT INTO users")).map((s) => new TextEncoder().encode(s).length);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(3000);
    expect(statements.at(-1)).toMatch(/^INSERT INTO social_accounts/);
    expect(report).toMatchObject({ users: 60, socialAccounts: 10 });
    expect((await env.DB.prepare("select count(*) as n from users u join profiles p on p.user_id = u.id where u.id between 201 and 260").first())).toEqual({ n: 60 });
  });

  it("keep to what wrangler's --local file splitter understands: one ';' at the end, no CASE/BEGIN outside quotes", () => {
    const { statements } = importRecords([user(301, "quoted", { first_name: "a; b CASE c BEGIN d -- e /* f" }), social(301, "quoted", "p", "u;--")]);
    for (const statement of statements) {
      const outsideQuotes = statement.replace(/'(?:[^']|'')*'/g, "''");
      expect(outsideQuotes.indexOf(";")).toBe(outsideQuotes.length - 1);
      expect(outsideQuotes).not.toMatch(/\s(BEGIN|CASE)\s|--|\/\*|\$/i);
    }
  });

  it("a row over D1's 100 KB statement limit is skipped and reported; a large one under it goes alone", () => {
    const { statements, report } = importRecords([user(401, "big", { first_name: "b".repeat(60_000) }), user(402, "huge", { first_name: "h".repeat(120_000) }), user(403, "small")]);
    expect(report.skipped).toEqual([{ model: "auth.user", pk: 402, reason: "row is larger than one D1 statement (100 KB)" }]);
    expect(statements.filter((s) => s.startsWith("INSERT INTO users"))).toHaveLength(2);
  });
});
