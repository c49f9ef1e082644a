// Connect, list and disconnect (contract §2.5.2–2.5.4), and the dashboard's social_accounts: an
// account is never left without a way in.
import { env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NEW_PASSWORDS, resetMail } from "../../../test/conformance/case";
import { call, clock, eventsOf, jwtPayload, loggedIn } from "../../../test/helpers";
import { count, FakeOidc, FakeWorld, newPerson, newSigningKey, type Person, socialConnect, socialEnv, socialLogin, userById } from "./social.fixtures";

let key: Awaited<ReturnType<typeof newSigningKey>>;
let idp: FakeOidc;

beforeAll(async () => {
  key = await newSigningKey("accounts-key-1");
});

beforeEach(() => {
  idp = new FakeOidc(new FakeWorld(), key);
});

const ALREADY = { non_field_errors: ["The third-party account is already connected to a different account."] };
const NOT_FOUND = { detail: "Not found." };
const vars = socialEnv();

const connect = async (person: Person, token: string) => socialConnect("keycloak", { id_token: await idp.idToken(person) }, token);
const list = (token: string) => call("GET", "/auth/socialaccounts/", { token, env: vars });
const disconnect = (id: number | string, token: string) => call("POST", `/auth/socialaccounts/${id}/disconnect/`, { token, env: vars });

/** A user created by a social login (no usable password), with its token response. */
async function socialOnly(person = newPerson()) {
  const response = await socialLogin("keycloak", { id_token: await idp.idToken(person) });
  if (response.status !== 200) throw new Error(`social login failed: ${response.text}`);
  return { person, access: response.body.access as string, pk: response.body.user.pk as number, email: response.body.user.email as string };
}

describe("connect", () => {
  it("links the provider account to the caller and starts a new session; the e-mail stays", async () => {
    const me = await loggedIn("connect", vars);
    const person = newPerson();
    clock.advance(5);
    const response = await connect(person, me.access);
    expect(response.status, response.text).toBe(200);
    expect(response.body.user).toEqual({ pk: me.pk, username: me.username, email: me.email, first_name: "", last_name: "" });
    const family = jwtPayload(response.body.access).fam;
    expect(family).not.toBe(jwtPayload(me.access).fam);
    expect((await call("GET", "/auth/user/", { token: response.body.access })).status).toBe(200);
    expect((await userById(me.pk))!.email).toBe(me.email);
    const [account] = (await list(response.body.access)).body;
    expect(account).toEqual({ id: expect.any(Number), provider: "keycloak", uid: person.sub, last_login: expect.any(String), date_joined: expect.any(String) });
    expect(account.date_joined).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect((await eventsOf(me.pk)).at(-1)).toMatchObject({ event: "social_connect", meta: { provider: "keycloak", session: family, linked: true } });
    // The provider account now logs into the caller's account.
    expect((await socialLogin("keycloak", { id_token: await idp.idToken(person) })).body.user.pk).toBe(me.pk);
  });

  it("connecting it again is fine (one row, refreshed); another user's is refused, nothing written", async () => {
    const me = await loggedIn("connect", vars);
    const other = await loggedIn("connect", vars);
    const person = newPerson();
    expect((await connect(person, me.access)).status).toBe(200);
    expect((await connect(person, me.access)).status).toBe(200);
    expect(await count("social_accounts", "uid = ?", person.sub)).toBe(1);
    const families = await count("token_families", "user_id = ?", other.pk);
    const refused = await connect(person, other.access);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(ALREADY);
    expect(await count("token_families", "user_id = ?", other.pk)).toBe(families);
    expect(await count("social_accounts", "user_id = ?", other.pk)).toBe(0);
  });

  it("needs authentication, and the provider's verdict", async () => {
    const anonymous = await socialConnect("keycloak", { id_token: await idp.idToken(newPerson()) }, "");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ detail: "Authentication credentials were not provided." });
    const me = await loggedIn("connect", vars);
    const bad = await connect(newPerson(), me.access).then(() => socialConnect("keycloak", { id_token: "e30.e30.c2ln" }, me.access));
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ non_field_errors: ["Incorrect value"] });
    expect((await socialConnect("keycloak", {}, me.access)).body).toEqual({ non_field_errors: ["Incorrect input. access_token or code is required."] });
  });
});

describe("socialaccounts/", () => {
  it("lists only the caller's accounts, oldest first; the dashboard shows the same", async () => {
    const me = await loggedIn("list", vars);
    expect((await list(me.access)).body).toEqual([]);
    expect((await call("GET", "/auth/dashboard/", { token: me.access })).body.social_accounts).toEqual([]);
    const first = newPerson();
    const second = newPerson();
    await connect(first, me.access);
    await connect(second, me.access);
    await socialOnly();
    const accounts = (await list(me.access)).body;
    expect(accounts.map((a: { uid: string }) => a.uid)).toEqual([first.sub, second.sub]);
    expect((await call("GET", "/auth/dashboard/", { token: me.access })).body.social_accounts).toEqual(accounts);
  });
});

describe("socialaccounts/{id}/disconnect/", () => {
  it("removes the caller's account: 200 {}, event; the provider account then signs up anew", async () => {
    const me = await loggedIn("disc", vars);
    const person = newPerson();
    await connect(person, me.access);
    const [account] = (await list(me.access)).body;
    const response = await disconnect(account.id, me.access);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({});
    expect((await list(me.access)).body).toEqual([]);
    expect((await eventsOf(me.pk)).at(-1)).toMatchObject({ event: "social_disconnect", meta: { provider: "keycloak", account: account.id } });
    const again = await socialLogin("keycloak", { id_token: await idp.idToken(person) });
    expect(again.body.user.pk).not.toBe(me.pk);
  });

  it("another user's account, an unknown id, junk and overflowing ids: 404", async () => {
    const me = await loggedIn("disc", vars);
    const other = await socialOnly();
    const [theirs] = (await list(other.access)).body;
    for (const id of [theirs.id, 999_999_999, "abc", "-1", "1.5", "99999999999999999999", "9223372036854775808", "0x10"]) {
      const response = await disconnect(id, me.access);
      expect(response.status, String(id)).toBe(404);
      expect(response.body).toEqual(NOT_FOUND);
    }
    expect(await count("social_accounts", "id = ?", theirs.id)).toBe(1);
  });

  it("the last account of a user without a password: refused; with another one left, allowed", async () => {
    const me = await socialOnly();
    const [only] = (await list(me.access)).body;
    const refused = await disconnect(only.id, me.access);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ non_field_errors: ["Your account has no password set up."] });
    expect(await count("social_accounts", "id = ?", only.id)).toBe(1);
    await connect(newPerson(), me.access);
    expect((await disconnect(only.id, me.access)).status).toBe(200);
    const [last] = (await list(me.access)).body;
    expect((await disconnect(last.id, me.access)).body).toEqual({ non_field_errors: ["Your account has no password set up."] });
  });

  it("once the social-only user has a password (reset by mail), the last one may go", async () => {
    const me = await socialOnly();
    const { uid, token } = await resetMail(me.email);
    expect((await call("POST", "/auth/password/reset/confirm/", { body: { uid, token, ...NEW_PASSWORDS } })).status).toBe(200);
    const fresh = await call("POST", "/auth/login/", { body: { email: me.email, password: NEW_PASSWORDS.new_password1 } });
    const [only] = (await list(fresh.body.access)).body;
    expect((await disconnect(only.id, fresh.body.access)).status).toBe(200);
  });

  it("the last account with a password but no verified address: refused under mandatory verification, allowed under optional", async () => {
    const me = await loggedIn("disc", vars);
    await connect(newPerson(), me.access);
    const [only] = (await list(me.access)).body;
    await env.DB.prepare("update users set email_verified = 0 where id = ?").bind(me.pk).run();
    expect((await disconnect(only.id, me.access)).body).toEqual({ non_field_errors: ["Your account has no verified email address."] });
    const optional = await call("POST", `/auth/socialaccounts/${only.id}/disconnect/`, { token: me.access, env: socialEnv({ ACCOUNT_EMAIL_VERIFICATION: "optional" }) });
    expect(optional.status).toBe(200);
  });

  it("two concurrent disconnects of a password-less user's last two accounts: one wins, one account stays", async () => {
    const me = await socialOnly();
    await connect(newPerson(), me.access);
    const ids = (await list(me.access)).body.map((a: { id: number }) => a.id);
    expect(ids).toHaveLength(2);
    const results = await Promise.all(ids.map((id: number) => disconnect(id, me.access)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(await count("social_accounts", "user_id = ?", me.pk)).toBe(1);
  });
});
