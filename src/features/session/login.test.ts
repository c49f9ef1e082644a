// POST login/ (contract §2.1.1): identifiers, the uniform failure, verification gate, events, rehash, public-endpoint rules.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { hashPassword } from "../../crypto/pbkdf2";
import { call, clock, eventsOf, jwtPayload, newIdentity, registerVerified, userRow } from "../../../test/helpers";
import djangoHashes from "../../../test/fixtures/django-hashes.json";

const UNABLE = { non_field_errors: ["Unable to log in with provided credentials."] };
const MUST_INCLUDE = { non_field_errors: ['Must include either "username" or "email" and "password".'] };
// A margin, not a wait: the tests that check Django's costliest hashes take seconds of CPU.
const SLOW_HASH_TIMEOUT = 60_000;
const DRF_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function login(body: Record<string, unknown>, options: { env?: Record<string, string>; headers?: Record<string, string> } = {}) {
  return call("POST", "/auth/login/", { body, ...options });
}

async function idOf(email: string): Promise<number> {
  return (await userRow(email))!.id as number;
}

async function setColumn(email: string, column: "is_active" | "password", value: unknown) {
  await env.DB.prepare(`update users set ${column} = ? where lower(email) = lower(?)`).bind(value, email).run();
}

describe("successful login", () => {
  it("by username: 200 TokenResponse for that user", async () => {
    const me = await registerVerified("login");
    const response = await login({ username: me.username, password: me.password });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(["access", "access_expiration", "refresh", "refresh_expiration", "user"]);
    const id = await idOf(me.email);
    expect(response.body.user).toEqual({ pk: id, username: me.username, email: me.email, first_name: "", last_name: "" });
    expect(response.body.access_expiration).toMatch(DRF_DATETIME);
    expect(jwtPayload(response.body.access)).toMatchObject({ token_type: "access", user_id: String(id) });
    expect(jwtPayload(response.body.refresh)).toMatchObject({ token_type: "refresh", user_id: String(id) });
    expect(jwtPayload(response.body.access).fam).toBe(jwtPayload(response.body.refresh).fam);
  });

  it("by username, case-insensitively", async () => {
    const me = await registerVerified("LoginCase");
    const response = await login({ username: me.username.toUpperCase(), password: me.password });
    expect(response.status).toBe(200);
    expect(response.body.user.username).toBe(me.username);
  });

  it("by e-mail, case-insensitively", async () => {
    const me = await registerVerified("loginmail");
    const response = await login({ email: me.email.toUpperCase(), password: me.password });
    expect(response.status).toBe(200);
    expect(response.body.user.email).toBe(me.email);
  });

  it("e-mail wins when both identifiers are given", async () => {
    const alice = await registerVerified("loginboth");
    const bob = await registerVerified("loginboth");
    const byEmail = await login({ username: bob.username, email: alice.email, password: alice.password });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.user.username).toBe(alice.username);
    const swapped = await login({ username: alice.username, email: bob.email, password: bob.password });
    expect(swapped.body.user.username).toBe(bob.username);
    // A right username does not rescue an unknown e-mail.
    const nobody = newIdentity("loginboth").email;
    expect((await login({ username: alice.username, email: nobody, password: alice.password })).body).toEqual(UNABLE);
    // A blank e-mail is "not given": the username is used.
    expect((await login({ username: alice.username, email: "", password: alice.password })).status).toBe(200);
  });

  it("each login starts a new family", async () => {
    const me = await registerVerified("loginfam");
    const first = await login({ username: me.username, password: me.password });
    const second = await login({ username: me.username, password: me.password });
    expect(jwtPayload(first.body.refresh).fam).not.toBe(jwtPayload(second.body.refresh).fam);
    const { n } = (await env.DB.prepare("select count(*) as n from token_families where user_id = ?").bind(first.body.user.pk).first<{ n: number }>())!;
    expect(n).toBe(2);
  });

  it("updates last_login and records a login event with the client's IP and user agent", async () => {
    const me = await registerVerified("loginlast");
    clock.advance(5);
    const response = await login({ username: me.username, password: me.password }, { headers: { "CF-Connecting-IP": "203.0.113.7", "User-Agent": "vitest-agent" } });
    expect(response.status).toBe(200);
    const row = await userRow(me.email);
    expect(row!.last_login).toBe(clock.now());
    const events = await eventsOf(row!.id);
    expect(events.at(-1)).toMatchObject({ event: "login", ip: "203.0.113.7", user_agent: "vitest-agent" });
  });

  it("answers in legacy field style with JWT_RESPONSE_FIELD_STYLE=legacy", async () => {
    const vars = { JWT_RESPONSE_FIELD_STYLE: "legacy" };
    const me = await registerVerified("loginlegacy");
    const response = await login({ email: me.email, password: me.password }, { env: vars });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(["access_token", "access_token_expiration", "refresh_token", "refresh_token_expiration", "user"]);
    expect(response.body.access_token_expiration).toMatch(DRF_DATETIME);
    const user = await call("GET", "/auth/user/", { token: response.body.access_token, env: vars });
    expect(user.status).toBe(200);
  });
});

describe("the address typed into the username field (allauth's username/e-mail backend)", () => {
  it("logs in when e-mail is a login method; the username still works", async () => {
    const me = await registerVerified("loginbox");
    const response = await login({ username: me.email.toUpperCase(), password: me.password });
    expect(response.status).toBe(200);
    expect(response.body.user.username).toBe(me.username);
    expect((await login({ username: me.username, password: me.password })).status).toBe(200);
    expect((await login({ username: me.email, password: "wrong password" })).body).toEqual(UNABLE);
  });

  it("with e-mail-only login the username field is read as the address", async () => {
    const me = await registerVerified("loginboxonly");
    const vars = { ACCOUNT_LOGIN_METHODS: "email" };
    expect((await login({ username: me.email, password: me.password }, { env: vars })).status).toBe(200);
    expect((await login({ username: me.username, password: me.password }, { env: vars })).body).toEqual(MUST_INCLUDE);
  });

  it("with username-only login an address in the username field is only a username", async () => {
    const me = await registerVerified("loginboxname");
    const vars = { ACCOUNT_LOGIN_METHODS: "username" };
    expect((await login({ username: me.email, password: me.password }, { env: vars })).body).toEqual(UNABLE);
    expect((await login({ username: me.username, password: me.password }, { env: vars })).status).toBe(200);
  });

  it("a username containing @ that is nobody's address still logs in by name", async () => {
    const me = newIdentity("loginat");
    const username = `${me.username}@team`;
    const registered = await call("POST", "/auth/registration/", {
      body: { username, email: me.email, password1: me.password, password2: me.password },
      env: { ACCOUNT_EMAIL_VERIFICATION: "none" },
    });
    expect(registered.status).toBe(201);
    expect((await login({ username, password: me.password })).status).toBe(200);
  });
});

describe("login failures", () => {
  it('"Must include either ..." when both identifiers are blank or absent', async () => {
    for (const body of [{ password: "whatever" }, { username: "", email: "", password: "whatever" }, { username: "   ", password: "x" }]) {
      const response = await login(body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(MUST_INCLUDE);
    }
  });

  it("field errors come first: missing password, bad e-mail", async () => {
    expect((await login({ username: "someone" })).body).toEqual({ password: ["This field is required."] });
    expect((await login({ username: "someone", password: "" })).body).toEqual({ password: ["This field may not be blank."] });
    expect((await login({ email: "not-an-email", password: "x" })).body).toEqual({ email: ["Enter a valid email address."] });
  });

  it("one message for an unknown user, a wrong password, an inactive user and an unusable password", async () => {
    const unknown = newIdentity("loginunknown");
    expect((await login({ username: unknown.username, password: unknown.password })).body).toEqual(UNABLE);
    expect((await login({ email: unknown.email, password: unknown.password })).body).toEqual(UNABLE);

    const wrong = await registerVerified("loginwrong");
    const response = await login({ username: wrong.username, password: `${wrong.password}x` });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(UNABLE);

    const inactive = await registerVerified("logininactive");
    await setColumn(inactive.email, "is_active", 0);
    expect((await login({ username: inactive.username, password: inactive.password })).body).toEqual(UNABLE);

    const social = await registerVerified("loginsocial");
    await setColumn(social.email, "password", `!${"x".repeat(40)}`);
    expect((await login({ username: social.username, password: social.password })).body).toEqual(UNABLE);
    expect((await login({ username: social.username, password: `!${"x".repeat(40)}` })).body).toEqual(UNABLE);
  });

  it('"E-mail is not verified." only when the password is right and verification is mandatory', async () => {
    const me = newIdentity("loginunverified");
    await call("POST", "/auth/registration/", { body: { username: me.username, email: me.email, password1: me.password, password2: me.password } });
    const response = await login({ username: me.username, password: me.password });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ non_field_errors: ["E-mail is not verified."] });
    expect((await login({ username: me.username, password: "wrong password" })).body).toEqual(UNABLE);
    // optional mode lets the same account in.
    expect((await login({ username: me.username, password: me.password }, { env: { ACCOUNT_EMAIL_VERIFICATION: "optional" } })).status).toBe(200);
  });

  it("records login_failed with a reason for known accounts only, and no login event", async () => {
    const me = await registerVerified("loginevents");
    const id = await idOf(me.email);
    await login({ username: me.username, password: "wrong password" });
    await setColumn(me.email, "is_active", 0);
    await login({ username: me.username, password: me.password });
    const failed = (await eventsOf(id)).filter((e) => e.event.startsWith("login"));
    expect(failed.map((e) => [e.event, e.meta.reason])).toEqual([
      ["login_failed", "password"],
      ["login_failed", "inactive"],
    ]);

    const unverified = newIdentity("loginevents");
    await call("POST", "/auth/registration/", {
      body: { username: unverified.username, email: unverified.email, password1: unverified.password, password2: unverified.password },
    });
    await login({ username: unverified.username, password: unverified.password });
    const events = await eventsOf(await idOf(unverified.email));
    expect(events.map((e) => e.event)).toEqual(["register", "login_failed"]);
    expect(events[1]!.meta.reason).toBe("email_not_verified");
  });

  it("leaves last_login untouched on failure", async () => {
    const me = await registerVerified("loginnolast");
    const before = (await userRow(me.email))!.last_login;
    clock.advance(5);
    await login({ username: me.username, password: "wrong password" });
    expect((await userRow(me.email))!.last_login).toBe(before);
  });
});

describe("password hash upkeep", () => {
  const iterationsOf = async (email: string) => Number(((await userRow(email))!.password as string).split("$")[1]);

  it("re-hashes on login when PBKDF2_ITERATIONS changed, and the new hash still verifies", async () => {
    const me = await registerVerified("loginrehash");
    expect(await iterationsOf(me.email)).toBe(1000);
    const original = (await userRow(me.email))!.password;

    expect((await login({ username: me.username, password: me.password }, { env: { PBKDF2_ITERATIONS: "1500" } })).status).toBe(200);
    expect(await iterationsOf(me.email)).toBe(1500);
    expect((await userRow(me.email))!.password).not.toBe(original);

    // Back at the default count: the 1500-iteration hash verifies and is re-hashed again.
    expect((await login({ username: me.username, password: me.password })).status).toBe(200);
    expect(await iterationsOf(me.email)).toBe(1000);
  });

  it("does not re-hash when the count is unchanged", async () => {
    const me = await registerVerified("loginsame");
    const before = (await userRow(me.email))!.password;
    await login({ username: me.username, password: me.password });
    expect((await userRow(me.email))!.password).toBe(before);
  });

  // Django-made hashes (scripts/django-fixtures.py): another hasher, or PBKDF2 above the WebCrypto cap.
  const imported = (label: string) => djangoHashes.vectors.find((v) => v.label.startsWith(label))!;
  it.each(["pbkdf2_sha256 Django 5.2 default", "pbkdf2_sha1 Django 3.2", "argon2id small", "bcrypt_sha256 5 rounds", "scrypt N=1024"])(
    "a Django %s hash logs in once and is replaced by ours",
    async (label) => {
      const vector = imported(label);
      const me = await registerVerified("loginimport");
      await setColumn(me.email, "password", vector.hash);
      expect((await login({ username: me.username, password: `x${vector.password}` })).body).toEqual(UNABLE);
      expect((await userRow(me.email))!.password).toBe(vector.hash);

      expect((await login({ username: me.username, password: vector.password })).status).toBe(200);
      const rehashed = (await userRow(me.email))!.password as string;
      expect(rehashed).toMatch(/^pbkdf2_sha256\$1000\$[a-zA-Z0-9]{22}\$/);
      // The new hash is ours and verifies the same password.
      expect((await login({ username: me.username, password: vector.password })).status).toBe(200);
      expect((await userRow(me.email))!.password).toBe(rehashed);
    },
    // Two million-iteration checks in plain JS: about 2 s of CPU, more on a busy machine.
    SLOW_HASH_TIMEOUT,
  );

  it("a failed login against a cheaper pbkdf2_sha256 hash spends the missing iterations (Django's harden_runtime)", async () => {
    const me = await registerVerified("loginharden");
    await setColumn(me.email, "password", await hashPassword(me.password, 400));
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    expect((await login({ username: me.username, password: "wrong password" })).body).toEqual(UNABLE);
    expect(derive.mock.calls.map((call) => (call[0] as { iterations: number }).iterations)).toEqual([400, 600]);
  });

  it("an unusable Django password stays unusable", async () => {
    const me = await registerVerified("loginunusable");
    const unusable = djangoHashes.vectors.find((v) => v.hash.startsWith("!"))!.hash;
    await setColumn(me.email, "password", unusable);
    expect((await login({ username: me.username, password: unusable })).body).toEqual(UNABLE);
    expect((await login({ username: me.username, password: unusable.slice(1) })).body).toEqual(UNABLE);
    expect((await userRow(me.email))!.password).toBe(unusable);
  });

  it("does not re-hash on a failed login", async () => {
    const me = await registerVerified("loginnorehash");
    const before = (await userRow(me.email))!.password;
    await login({ username: me.username, password: "wrong password" }, { env: { PBKDF2_ITERATIONS: "1500" } });
    expect((await userRow(me.email))!.password).toBe(before);
  });
});

describe("public endpoints ignore the Authorization header", () => {
  for (const authorization of ["Bearer garbage", "Bearer a b c", "Token abc", "Bearer", "Basic Zm9vOmJhcg=="]) {
    it(`login/ succeeds with "${authorization}"`, async () => {
      const me = await registerVerified("loginhdr");
      const response = await login({ username: me.username, password: me.password }, { headers: { authorization } });
      expect(response.status).toBe(200);
    });
  }

  it("registration, refresh, verify and password reset succeed with a stale bearer", async () => {
    const me = await registerVerified("loginstale");
    const session = await login({ username: me.username, password: me.password });
    // An access token of a logged-out family.
    await call("POST", "/auth/logout/", { body: { refresh: session.body.refresh } });
    const headers = { authorization: `Bearer ${session.body.access}` };
    const fresh = await login({ username: me.username, password: me.password }, { headers });
    expect(fresh.status).toBe(200);

    const other = newIdentity("loginstale");
    const registered = await call("POST", "/auth/registration/", {
      body: { username: other.username, email: other.email, password1: other.password, password2: other.password },
      headers,
    });
    expect(registered.status).toBe(201);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: fresh.body.refresh }, headers: { authorization: "Bearer x y" } })).status).toBe(200);
    expect((await call("POST", "/auth/token/verify/", { body: { token: fresh.body.access }, headers })).status).toBe(200);
    expect((await call("POST", "/auth/password/reset/", { body: { email: me.email }, headers })).status).toBe(200);
  });
});
