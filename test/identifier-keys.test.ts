// Migration 0006 on a database that already has users, then the cron filling the keys SQL could not
// compute: ASCII rows keyed at once, the rest PENDING until the next run; rows that fold together keep
// one account per key (COLLISION for the later one) and nothing fails.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { afterEach, describe, expect, it } from "vitest";
import { getConfig } from "../src/config";
import { hashPassword } from "../src/crypto/pbkdf2";
import { runMaintenance } from "../src/core/maintenance";
import * as schema from "../src/db/schema";
import worker from "../src/index";
import { clock, envWith } from "./helpers";
import { fullwidth, login, PASSWORD, tag } from "./identity";

/** The schema as it was before 0006: the lower() indexes, no key indexes (the columns exist, blank). */
async function rewindToBefore0006(): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("DROP INDEX users_username_key"),
    env.DB.prepare("DROP INDEX users_email_key"),
    env.DB.prepare("CREATE UNIQUE INDEX users_username_lower ON users (lower(username))"),
    env.DB.prepare("CREATE UNIQUE INDEX users_email_lower ON users (lower(email)) WHERE email <> ''"),
  ]);
}

/** 0006's statements as shipped, except the two ADD COLUMNs (the test database has the columns). */
async function apply0006(): Promise<void> {
  // By name, not number: migrations are renumbered when branches merge.
  const migration = env.TEST_MIGRATIONS.find((m) => m.name.endsWith("_identifier_keys.sql"));
  if (!migration) throw new Error("migration *_identifier_keys.sql not found");
  const statements = migration.queries.filter((q) => !/^\s*(--[^\n]*\n\s*)*ALTER TABLE/i.test(q));
  expect(statements).toHaveLength(migration.queries.length - 2);
  await env.DB.batch(statements.map((q) => env.DB.prepare(q)));
}

let nextId = 900_000;
async function legacyUser(username: string, email: string): Promise<number> {
  const id = nextId++;
  const password = await hashPassword(PASSWORD, 1000);
  await env.DB.prepare(
    "insert into users (id, username, email, email_verified, password, date_joined, updated_at) values (?, ?, ?, 1, ?, ?, ?)",
  )
    .bind(id, username, email, password, clock.now(), clock.now())
    .run();
  await env.DB.prepare("insert into profiles (user_id, updated_at) values (?, ?)").bind(id, clock.now()).run();
  return id;
}

const keys = (id: number) =>
  env.DB.prepare("select username_key, email_key from users where id = ?").bind(id).first<{ username_key: string; email_key: string }>();

async function cron(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController(), env as never, ctx);
  await waitOnExecutionContext(ctx);
}

describe("migration 0006 on existing rows, then the cron", () => {
  // The migration re-keys every row: each test starts from a table with only its own legacy rows.
  afterEach(async () => {
    await env.DB.prepare("delete from users where id >= 900000").run();
  });

  it("keys ASCII rows in SQL, fills the others, and settles collisions without failing", async () => {
    const t = tag("mig");
    await rewindToBefore0006();
    // All distinct under the old lower() indexes; pairs that are one under the fold.
    const older = await legacyUser(`\u00dc${t}`, `${t}1@example.com`);
    const younger = await legacyUser(`\u00fc${t}`, `${t}2@example.com`);
    const wide = await legacyUser(fullwidth(`admin${t}`), `${t}3@example.com`);
    const ascii = await legacyUser(`Admin${t}`, `${t}4@example.com`);
    const idn = await legacyUser(`idn${t}`, `${t}@Ex\u00e4mple.com`);
    const idnTwin = await legacyUser(`idntwin${t}`, `${t}@EX\u00c4MPLE.com`);
    const blank = await legacyUser(`blank${t}`, "");

    await apply0006();
    expect(await keys(ascii)).toEqual({ username_key: `admin${t}`, email_key: `${t}4@example.com` });
    expect(await keys(blank)).toEqual({ username_key: `blank${t}`, email_key: "" });
    expect(await keys(older)).toEqual({ username_key: `PENDING:${older}`, email_key: `${t}1@example.com` });
    expect(await keys(idn)).toEqual({ username_key: `idn${t}`, email_key: `PENDING:${idn}` });
    // Until the cron has run, a pending account is not found by that identifier (README, "Upgrading").
    expect((await login({ username: `\u00dc${t}` })).status).toBe(400);

    await cron();
    expect(await keys(older)).toEqual({ username_key: `\u00fc${t}`, email_key: `${t}1@example.com` });
    expect(await keys(younger)).toEqual({ username_key: `COLLISION:${younger}`, email_key: `${t}2@example.com` });
    expect(await keys(wide)).toEqual({ username_key: `COLLISION:${wide}`, email_key: `${t}3@example.com` });
    expect(await keys(idn)).toEqual({ username_key: `idn${t}`, email_key: `${t}@ex\u00e4mple.com` });
    expect(await keys(idnTwin)).toEqual({ username_key: `idntwin${t}`, email_key: `COLLISION:${idnTwin}` });

    // Every spelling of a name now reaches the account that kept its key; the others log in by address.
    for (const username of [`\u00dc${t}`, `\u00fc${t}`, `\u00dc${t.toUpperCase()}`]) {
      const response = await login({ username });
      expect(response.status).toBe(200);
      expect(response.body.user.pk).toBe(older);
    }
    expect((await login({ username: fullwidth(`admin${t}`) })).body.user.pk).toBe(ascii);
    expect((await login({ email: `${t}2@example.com` })).body.user.pk).toBe(younger);
    expect((await login({ email: `${t}3@example.com` })).body.user.pk).toBe(wide);
    expect((await login({ email: `${t}@EX\u00c4MPLE.COM` })).body.user.pk).toBe(idn);
    expect((await login({ username: `idntwin${t}` })).body.user.pk).toBe(idnTwin);

    // The indexes are back: the fold is unique from now on.
    const duplicate = env.DB.prepare("update users set username_key = ? where id = ?").bind(`\u00fc${t}`, ascii).run();
    await expect(duplicate).rejects.toThrow(/UNIQUE constraint failed: users\.username_key/);
  });

  it("fills at most 20 rows per run, oldest first, and reports collisions; an idle run does nothing", async () => {
    const t = tag("many");
    await rewindToBefore0006();
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) ids.push(await legacyUser(`\u00e9${t}${String.fromCharCode(97 + i)}`, ""));
    const clash = await legacyUser(`\u00c9${t}a`, "");
    await apply0006();
    const maintenance = () => runMaintenance({ config: getConfig(envWith()), db: drizzle(env.DB, { schema }), now: clock.now });

    const first = await maintenance();
    expect(first.identifierKeys).toEqual({ filled: 20, collisions: [] });
    expect(await keys(ids[19]!)).toMatchObject({ username_key: `\u00e9${t}t` });
    expect(await keys(ids[20]!)).toMatchObject({ username_key: `PENDING:${ids[20]}` });
    const second = await maintenance();
    expect(second.identifierKeys).toEqual({ filled: 5, collisions: [{ id: clash, column: "username_key" }] });
    expect(await keys(clash)).toMatchObject({ username_key: `COLLISION:${clash}` });
    expect((await maintenance()).identifierKeys).toEqual({ filled: 0, collisions: [] });
  });
});
