// POST {provider}/ (contract §2.5.1) over a generic OpenID Connect provider's id_token: first login
// creates the account, later ones log into it; linking by e-mail; verification; the 400s and 403s.
import { env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COOKIE_MODE, setCookies } from "../../../test/cookie-jar";
import { call, clock, confirmationKeyFor, eventsOf, jwtPayload, mailTo, registerVerified } from "../../../test/helpers";
import { codeStep, totpCode } from "../mfa/mfa.fixtures";
import { count, FakeOidc, FakeWorld, footprint, newPerson, newSigningKey, type Person, socialConnect, socialLogin, userById } from "./social.fixtures";

let key: Awaited<ReturnType<typeof newSigningKey>>;
let world: FakeWorld;
let idp: FakeOidc;

beforeAll(async () => {
  key = await newSigningKey("login-key-1");
});

beforeEach(() => {
  world = new FakeWorld();
  idp = new FakeOidc(world, key);
});

const NOT_VERIFIED = { non_field_errors: ["E-mail is not verified."] };
const TAKEN = { non_field_errors: ["User is already registered with this e-mail address."] };
const FORBIDDEN = { detail: "You do not have permission to perform this action." };

async function logIn(person: Person, more: Parameters<typeof socialLogin>[2] = {}) {
  return socialLogin("keycloak", { id_token: await idp.idToken(person) }, more);
}

describe("first login", () => {
  it("creates the account in one go: user (unusable password, vouched address verified), profile, social account, session", async () => {
    const person = newPerson();
    const response = await logIn(person);
    expect(response.status, response.text).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(["access", "access_expiration", "refresh", "refresh_expiration", "user"]);
    const pk = response.body.user.pk as number;
    expect(response.body.user).toEqual({ pk, username: person.email!.split("@")[0], email: person.email, first_name: "Ada", last_name: "Lovelace" });
    const user = (await userById(pk))!;
    expect(user.password).toMatch(/^!/);
    expect(user).toMatchObject({ email_verified: 1, is_active: 1, last_login: clock.now(), date_joined: clock.now() });
    expect(await count("profiles", "user_id = ?", pk)).toBe(1);
    const accounts = await env.DB.prepare("select * from social_accounts where user_id = ?").bind(pk).all<Record<string, any>>();
    expect(accounts.results).toHaveLength(1);
    expect(accounts.results[0]).toMatchObject({ provider: "keycloak", uid: person.sub, date_joined: clock.now(), last_login: clock.now() });
    // What the provider said about the person, never the credential.
    expect(accounts.results[0]!.extra_data).not.toContain("eyJ");
    const family = jwtPayload(response.body.access).fam;
    expect(await count("token_families", "id = ? and user_id = ?", family, pk)).toBe(1);
    expect((await eventsOf(pk)).map((e) => [e.event, e.meta])).toEqual([
      ["register", { provider: "keycloak" }],
      ["social_login", { provider: "keycloak", session: family }],
    ]);
    // The tokens work.
    expect((await call("GET", "/auth/user/", { token: response.body.access })).body.pk).toBe(pk);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: response.body.refresh } })).status).toBe(200);
  });

  it("the next login is into the same account: a new session, the social account's last_login and data refreshed", async () => {
    const person = newPerson();
    const first = await logIn(person);
    const users = await count("users");
    clock.advance(60);
    const second = await logIn({ ...person, name: "Ada King" });
    expect(second.status).toBe(200);
    expect(second.body.user.pk).toBe(first.body.user.pk);
    expect(jwtPayload(second.body.access).fam).not.toBe(jwtPayload(first.body.access).fam);
    expect(await count("users")).toBe(users);
    const [account] = (await env.DB.prepare("select * from social_accounts where uid = ?").bind(person.sub).all<Record<string, any>>()).results;
    expect(account!.last_login).toBe(clock.now());
    expect(JSON.parse(account!.extra_data).name).toBe("Ada King");
    expect((await userById(first.body.user.pk))!.last_login).toBe(clock.now());
  });

  it("usernames: NFKC-folded, only username characters, made unique with a suffix, from the name when there is no address", async () => {
    const wide = await logIn(newPerson({ email: `ｆｕｌｌ${crypto.randomUUID().slice(0, 4)}@idp.example.test` }));
    expect(wide.body.user.username).toMatch(/^full[0-9a-f]{4}$/);
    const odd = await logIn(newPerson({ email: `o'brien!x${crypto.randomUUID().slice(0, 4)}@idp.example.test` }));
    expect(odd.body.user.username).toMatch(/^obrienx[0-9a-f]{4}$/);
    const local = `twin${crypto.randomUUID().slice(0, 6)}`;
    const first = await logIn(newPerson({ email: `${local}@one.example.test` }));
    const second = await logIn(newPerson({ email: `${local}@two.example.test` }));
    expect(first.body.user.username).toBe(local);
    expect(second.body.user.username).toMatch(new RegExp(`^${local}\\d{4}$`));
    // ACCOUNT_EMAIL_VERIFICATION=optional allows accounts without an address.
    const optional = { env: { ACCOUNT_EMAIL_VERIFICATION: "optional" } };
    const nameless = await logIn({ ...newPerson(), email: undefined, email_verified: undefined, preferred_username: undefined, name: "Grace Hopper" }, optional);
    expect(nameless.status, nameless.text).toBe(200);
    expect(nameless.body.user).toMatchObject({ email: "" });
    expect(nameless.body.user.username).toMatch(/^Grace_Hopper(\d{4})?$/);
  });

  it("without an address under mandatory verification: refused, nothing written", async () => {
    const before = await footprint();
    const response = await logIn({ ...newPerson(), email: undefined, email_verified: undefined });
    expect(response.body).toEqual(NOT_VERIFIED);
    expect(await footprint()).toEqual(before);
  });

  it("an address the provider does not vouch for, mandatory verification: account created, confirmation mailed, 400; confirmed, it logs in", async () => {
    const person = newPerson({ email_verified: false });
    const response = await logIn(person);
    expect(response.status).toBe(400);
    expect(response.body).toEqual(NOT_VERIFIED);
    const row = (await env.DB.prepare("select * from users where email = ?").bind(person.email).first<Record<string, any>>())!;
    expect(row).toMatchObject({ email_verified: 0, last_login: null });
    expect(await count("token_families", "user_id = ?", row.id)).toBe(0);
    expect(await count("social_accounts", "user_id = ?", row.id)).toBe(1);
    expect(mailTo(person.email!)).toHaveLength(1);
    // Again: the same answer, the same one account, no second mail.
    expect((await logIn(person)).body).toEqual(NOT_VERIFIED);
    expect(await count("users", "lower(email) = lower(?)", person.email)).toBe(1);
    expect(mailTo(person.email!)).toHaveLength(1);
    expect((await call("POST", "/auth/registration/verify-email/", { body: { key: confirmationKeyFor(person.email!) } })).status).toBe(200);
    const after = await logIn(person);
    expect(after.status).toBe(200);
    expect(after.body.user.pk).toBe(row.id);
  });

  it("an unvouched address under optional verification logs in, the address unverified", async () => {
    const person = newPerson({ email_verified: false });
    const response = await logIn(person, { env: { ACCOUNT_EMAIL_VERIFICATION: "optional" } });
    expect(response.status).toBe(200);
    expect((await userById(response.body.user.pk))!.email_verified).toBe(0);
  });

  it("a later login where the provider vouches for the account's address verifies it", async () => {
    const person = newPerson({ email_verified: false });
    expect((await logIn(person)).body).toEqual(NOT_VERIFIED);
    const response = await logIn({ ...person, email_verified: true });
    expect(response.status).toBe(200);
    expect((await userById(response.body.user.pk))!.email_verified).toBe(1);
  });

  it("SOCIALACCOUNT_AUTO_SIGNUP=false or sign-up closed: 403 for a new provider account, nothing written; linked accounts still log in", async () => {
    const linked = newPerson();
    expect((await logIn(linked)).status).toBe(200);
    for (const settings of [{ SOCIALACCOUNT_AUTO_SIGNUP: "false" }, { REGISTRATION_OPEN: "false" }] as Record<string, string>[]) {
      const before = await footprint();
      const response = await logIn(newPerson(), { env: settings });
      expect(response.status).toBe(403);
      expect(response.body).toEqual(FORBIDDEN);
      expect(await footprint()).toEqual(before);
      expect((await logIn(linked, { env: settings })).status).toBe(200);
    }
  });

  it("an inactive user: User account is disabled., no session", async () => {
    const person = newPerson();
    const pk = (await logIn(person)).body.user.pk;
    await env.DB.prepare("update users set is_active = 0 where id = ?").bind(pk).run();
    const families = await count("token_families", "user_id = ?", pk);
    const response = await logIn(person);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ non_field_errors: ["User account is disabled."] });
    expect(await count("token_families", "user_id = ?", pk)).toBe(families);
  });
});

describe("a local account with the provider's address", () => {
  it("is not linked by default: refused, nothing written", async () => {
    const local = await registerVerified("local");
    const before = await footprint();
    const response = await logIn(newPerson({ email: local.email.toUpperCase() }));
    expect(response.status).toBe(400);
    expect(response.body).toEqual(TAKEN);
    expect(await footprint()).toEqual(before);
  });

  it("with SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT and both sides verified: linked and logged in", async () => {
    const auto = { env: { SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT: "true" } };
    const local = await registerVerified("local");
    const person = newPerson({ email: local.email });
    const response = await logIn(person, auto);
    expect(response.status, response.text).toBe(200);
    const row = (await env.DB.prepare("select * from users where email = ?").bind(local.email).first<Record<string, any>>())!;
    expect(response.body.user).toMatchObject({ pk: row.id, username: local.username });
    expect(await count("social_accounts", "user_id = ? and uid = ?", row.id, person.sub)).toBe(1);
    // Its password still works; the account's names are untouched.
    expect(row.password).not.toMatch(/^!/);
    expect((await eventsOf(row.id)).map((e) => e.event)).toEqual(expect.arrayContaining(["social_connect", "social_login"]));
    // From now on it is linked: the setting is no longer needed.
    expect((await logIn(person)).body.user.pk).toBe(row.id);
  });

  it("AUTO_CONNECT still refuses when either side is unverified", async () => {
    const auto = { env: { SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT: "true" } };
    const local = await registerVerified("local");
    expect((await logIn(newPerson({ email: local.email, email_verified: false }), auto)).body).toEqual(TAKEN);
    await env.DB.prepare("update users set email_verified = 0 where email = ?").bind(local.email).run();
    expect((await logIn(newPerson({ email: local.email }), auto)).body).toEqual(TAKEN);
    expect(await count("social_accounts", "user_id = (select id from users where email = ?)", local.email)).toBe(0);
  });
});

describe("the provider refuses", () => {
  it("an id_token for another client, expired, or not signed by the issuer's keys: Incorrect value, nothing written", async () => {
    const stranger = await newSigningKey("login-key-1");
    const person = newPerson();
    const before = await footprint();
    const tokens = [
      await idp.idToken(person, { aud: "another-app" }),
      await idp.idToken(person, { exp: Math.floor(clock.now() / 1000) - 3600 }),
      await idp.idToken(person, {}, stranger),
      await idp.idToken(person, { iss: "https://evil.example.test" }),
    ];
    for (const id_token of tokens) {
      const response = await socialLogin("keycloak", { id_token });
      expect(response.status, response.text).toBe(400);
      expect(response.body).toEqual({ non_field_errors: ["Incorrect value"] });
    }
    expect(await footprint()).toEqual(before);
  });

  it("a provider that times out: 502, nothing written", async () => {
    world.failure = () => {
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    };
    const before = await footprint();
    // An access token must be checked at the userinfo endpoint (an id_token may verify from cached keys).
    const response = await socialLogin("keycloak", { access_token: idp.issueAccessToken(newPerson()) });
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ detail: "Upstream provider error." });
    expect(await footprint()).toEqual(before);
  });
});

describe("like a password login", () => {
  it("a user with TOTP gets the MFA challenge, no session; the second factor completes it", async () => {
    const person = newPerson();
    const first = await logIn(person);
    const token = first.body.access as string;
    const setup = await call("POST", "/auth/mfa/totp/setup/", { token });
    const secret = setup.body.secret as string;
    expect((await call("POST", "/auth/mfa/totp/activate/", { token, body: { code: await totpCode(secret) } })).status).toBe(200);
    const pk = first.body.user.pk as number;
    const families = await count("token_families", "user_id = ?", pk);
    clock.advance(1);
    const challenge = await logIn(person);
    expect(challenge.status).toBe(200);
    expect(challenge.body).toEqual({ mfa_required: true, ephemeral_token: expect.stringMatching(/^[\w-]{43}$/), methods: ["totp", "recovery_code"] });
    expect(challenge.headers.get("set-cookie")).toBeNull();
    expect(await count("token_families", "user_id = ?", pk)).toBe(families);
    const done = await codeStep(challenge.body.ephemeral_token, await totpCode(secret, 1));
    expect(done.status).toBe(200);
    expect(done.body.user.pk).toBe(pk);
  });

  it("cookie mode: the JWT cookies and the csrftoken are set", async () => {
    const response = await logIn(newPerson(), { env: COOKIE_MODE });
    expect(response.status).toBe(200);
    const cookies = setCookies(response).values;
    expect(cookies["app-access"]).toBe(response.body.access);
    expect(cookies["app-refresh"]).toBe(response.body.refresh);
    expect(cookies.csrftoken).toMatch(/^\w{32}$/);
  });

  it("throttled per IP under the social scope", async () => {
    const throttled = { THROTTLE_ENABLED: "true", THROTTLE_RATES: '{"social":"2/min"}' };
    const headers = { "cf-connecting-ip": "203.0.113.77" };
    const person = newPerson();
    expect((await logIn(person, { env: throttled, headers })).status).toBe(200);
    expect((await logIn(person, { env: throttled, headers })).status).toBe(200);
    const third = await logIn(person, { env: throttled, headers });
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toMatch(/^\d+$/);
    // Another address has its own budget.
    expect((await logIn(person, { env: throttled, headers: { "cf-connecting-ip": "203.0.113.78" } })).status).toBe(200);
  });
});

describe("concurrency", () => {
  it("10 concurrent first logins of one provider account create exactly one user, and all log into it", async () => {
    const person = newPerson();
    const idToken = await idp.idToken(person);
    const users = await count("users");
    const responses = await Promise.all(Array.from({ length: 10 }, () => socialLogin("keycloak", { id_token: idToken })));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(responses.map((r) => r.body.user.pk)).size).toBe(1);
    expect(await count("users")).toBe(users + 1);
    expect(await count("social_accounts", "uid = ?", person.sub)).toBe(1);
    const pk = responses[0]!.body.user.pk;
    expect(await count("profiles", "user_id = ?", pk)).toBe(1);
    expect(await count("token_families", "user_id = ?", pk)).toBe(10);
    expect((await eventsOf(pk)).filter((e) => e.event === "register")).toHaveLength(1);
  });

  it("10 concurrent first logins with an unvouched address: one account, one mail, the same answer for all", async () => {
    const person = newPerson({ email_verified: false });
    const idToken = await idp.idToken(person);
    const responses = await Promise.all(Array.from({ length: 10 }, () => socialLogin("keycloak", { id_token: idToken })));
    for (const response of responses) expect(response.body).toEqual(NOT_VERIFIED);
    expect(await count("users", "email = ?", person.email)).toBe(1);
    expect(mailTo(person.email!)).toHaveLength(1);
  });

  it("connect racing a first login of the same provider account: one owner, the other told so", async () => {
    const me = await registerVerified("racer");
    const token = (await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } })).body.access;
    const person = newPerson();
    const idToken = await idp.idToken(person);
    const [login, connect] = await Promise.all([socialLogin("keycloak", { id_token: idToken }), socialConnect("keycloak", { id_token: idToken }, token)]);
    expect(await count("social_accounts", "uid = ?", person.sub)).toBe(1);
    const owner = (await env.DB.prepare("select user_id from social_accounts where uid = ?").bind(person.sub).first<{ user_id: number }>())!.user_id;
    if (connect.status === 200) {
      expect(login.status === 200 ? login.body.user.pk : null).toBe(owner);
    } else {
      expect(connect.body).toEqual({ non_field_errors: ["The third-party account is already connected to a different account."] });
      expect(login.body.user.pk).toBe(owner);
    }
  });
});
