// POST registration/ (contract §2.4.1): answers per verification mode, seed-004 aliases, every 400, and side effects.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, confirmationKeyFor, eventsOf, jwtPayload, linkIn, mailTo, newIdentity, outbox, registerVerified, userRow } from "../../../test/helpers";

const DRF_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const USERNAME_INVALID = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";

function signup(me: { username: string; email: string; password: string }, extra: Record<string, unknown> = {}) {
  return { username: me.username, email: me.email, password1: me.password, password2: me.password, ...extra };
}

async function register(body: Record<string, unknown>, vars?: Record<string, string>) {
  return call("POST", "/auth/registration/", { body, env: vars });
}

async function countUsers(): Promise<number> {
  return (await env.DB.prepare("select count(*) as n from users").first<{ n: number }>())!.n;
}

/** Asserts a 400 with exactly `body`, and that no account holds the address afterwards. */
async function expectRejected(body: Record<string, unknown>, expected: Record<string, string[]>, vars?: Record<string, string>) {
  const before = await countUsers();
  const response = await register(body, vars);
  expect(response.status).toBe(400);
  expect(response.body).toEqual(expected);
  expect(await countUsers()).toBe(before);
  return response;
}

describe("registration success by verification mode", () => {
  it("mandatory (default): 201 detail, unverified user with an empty profile, confirmation mail, register event", async () => {
    const me = newIdentity("regm");
    const response = await register(signup(me));
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ detail: "Verification e-mail sent." });
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("set-cookie")).toBeNull();

    const row = await userRow(me.email);
    expect(row).toMatchObject({ username: me.username, email: me.email, email_verified: 0, is_active: 1, last_login: null });
    expect(row!.password).toMatch(/^pbkdf2_sha256\$\d+\$/);
    const profile = await env.DB.prepare("select * from profiles where user_id = ?").bind(row!.id).first();
    expect(profile).toMatchObject({ country: "", profession: "", bio: "", thoughts: "", profile_img: "" });

    const mails = mailTo(me.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("[edge-rest-auth] Please confirm your e-mail address");
    expect(mails[0]!.text).toContain(me.username);
    expect(linkIn(mails[0]!)).toBe(`https://api.example.test/auth/registration/verification/${confirmationKeyFor(me.email)}/`);
    expect((await eventsOf(row!.id)).map((e) => e.event)).toEqual(["register"]);
  });

  for (const mode of ["optional", "none"] as const) {
    it(`${mode}: 201 TokenResponse with exact keys and DRF expiration datetimes`, async () => {
      const me = newIdentity(`reg${mode}`);
      const response = await register(signup(me, { first_name: "Ada", last_name: "Lovelace" }), { ACCOUNT_EMAIL_VERIFICATION: mode });
      expect(response.status).toBe(201);
      expect(Object.keys(response.body).sort()).toEqual(["access", "access_expiration", "refresh", "refresh_expiration", "user"]);
      const row = await userRow(me.email);
      expect(response.body.user).toEqual({ pk: row!.id, username: me.username, email: me.email, first_name: "Ada", last_name: "Lovelace" });
      expect(response.body.access_expiration).toMatch(DRF_DATETIME);
      expect(response.body.refresh_expiration).toMatch(DRF_DATETIME);
      const access = jwtPayload(response.body.access);
      const refresh = jwtPayload(response.body.refresh);
      expect(access.token_type).toBe("access");
      expect(refresh.token_type).toBe("refresh");
      expect(access.user_id).toBe(String(row!.id));
      expect(new Date(response.body.access_expiration).getTime()).toBe(access.exp * 1000);
      expect(new Date(response.body.refresh_expiration).getTime()).toBe(refresh.exp * 1000);

      // The tokens work at once; the family exists and login/register are both in the history.
      const user = await call("GET", "/auth/user/", { token: response.body.access, env: { ACCOUNT_EMAIL_VERIFICATION: mode } });
      expect(user.status).toBe(200);
      expect(row!.email_verified).toBe(mode === "none" ? 1 : 0);
      expect(row!.last_login).not.toBeNull();
      expect((await eventsOf(row!.id)).map((e) => e.event)).toEqual(["register", "login"]);
      expect(mailTo(me.email)).toHaveLength(mode === "none" ? 0 : 1);
    });
  }

  it("legacy field style names the token fields like dj-rest-auth <= 3", async () => {
    const me = newIdentity("reglegacy");
    const response = await register(signup(me), { ACCOUNT_EMAIL_VERIFICATION: "optional", JWT_RESPONSE_FIELD_STYLE: "legacy" });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual([
      "access_token",
      "access_token_expiration",
      "refresh_token",
      "refresh_token_expiration",
      "user",
    ]);
  });
});

describe("seed-004 aliases and optional username", () => {
  it("accepts password/confirm_password instead of password1/password2", async () => {
    const me = newIdentity("regalias");
    const response = await register({ username: me.username, email: me.email, password: me.password, confirm_password: me.password });
    expect(response.status).toBe(201);
    expect(await userRow(me.email)).not.toBeNull();
  });

  it("reports field errors under the alias the client used", async () => {
    const me = newIdentity("regaliaserr");
    await expectRejected(
      { username: me.username, email: me.email, password: "Qz7#kf", confirm_password: "Qz7#kf" },
      { password: ["This password is too short. It must contain at least 8 characters."] },
    );
    await expectRejected(
      { username: me.username, email: me.email, password: me.password },
      { password2: ["This field is required."] },
    );
    await expectRejected(
      { username: me.username, email: me.email, password: "", confirm_password: me.password },
      { password: ["This field may not be blank."] },
    );
  });

  it("the canonical name wins when both spellings are sent", async () => {
    const me = newIdentity("regboth");
    const response = await register({ ...signup(me), password: "x", confirm_password: "y" });
    expect(response.status).toBe(201);
  });

  it("reports every field's errors in one answer, as DRF does", async () => {
    await expectRejected({}, {
      username: ["This field is required."],
      email: ["This field is required."],
      password1: ["This field is required."],
      password2: ["This field is required."],
    });
    const taken = await registerVerified("regall");
    // An invalid address does not hide the password's or the username's problems.
    await expectRejected(
      { username: taken.username, email: "not-an-address", password1: "123", password2: "123" },
      {
        username: ["A user with that username already exists."],
        email: ["Enter a valid email address."],
        password1: [
          "This password is too short. It must contain at least 8 characters.",
          "This password is entirely numeric.",
        ],
      },
    );
    // Under the alias the client used, with the address taken and a list for a password.
    await expectRejected(
      { username: "fresh-name", email: taken.email.toUpperCase(), password: ["x"], confirm_password: "x" },
      { email: ["User is already registered with this e-mail address."], password: ["Not a valid string."] },
    );
  });

  it("requires a username by default", async () => {
    const me = newIdentity("regnouser");
    await expectRejected({ email: me.email, password1: me.password, password2: me.password }, { username: ["This field is required."] });
  });

  it("generates a username from the e-mail when ACCOUNT_USERNAME_REQUIRED=false", async () => {
    const me = newIdentity("reggen");
    const vars = { ACCOUNT_USERNAME_REQUIRED: "false", ACCOUNT_EMAIL_VERIFICATION: "optional" };
    const response = await register({ email: me.email, password1: me.password, password2: me.password }, vars);
    expect(response.status).toBe(201);
    expect(response.body.user.username).toBe(me.username);

    // The local part is taken now: the next one gets a distinct, valid name.
    const other = `${me.username}@example.org`;
    const second = await register({ email: other, password1: me.password, password2: me.password }, vars);
    expect(second.status).toBe(201);
    expect(second.body.user.username).not.toBe(me.username);
    expect(second.body.user.username.startsWith(me.username)).toBe(true);
    expect(second.body.user.username).toMatch(/^[\w.@+-]+$/);
  });
});

describe("registration 400s (§2.4.1)", () => {
  it("rejects a taken username, case-insensitively", async () => {
    const owner = newIdentity("regtaken");
    expect((await register(signup(owner))).status).toBe(201);
    const me = newIdentity("regtaken");
    await expectRejected(signup(me, { username: owner.username.toUpperCase() }), { username: ["A user with that username already exists."] });
  });

  it("rejects a taken e-mail, case-insensitively", async () => {
    const owner = newIdentity("regmail");
    expect((await register(signup(owner))).status).toBe(201);
    const me = newIdentity("regmail");
    await expectRejected(signup(me, { email: owner.email.toUpperCase() }), {
      email: ["User is already registered with this e-mail address."],
    });
  });

  it("rejects a username with characters outside @/./+/-/_", async () => {
    for (const username of ["has space", "semi;colon", "slash/name", "emoji😀"]) {
      await expectRejected(signup(newIdentity("regbad"), { username }), { username: [USERNAME_INVALID] });
    }
  });

  it("accepts every allowed username character", async () => {
    const me = newIdentity("regok");
    const response = await register(signup(me, { username: `${me.username}.a+b-c_d@e` }));
    expect(response.status).toBe(201);
  });

  it("rejects blacklisted usernames, case-insensitively", async () => {
    const vars = { ACCOUNT_USERNAME_BLACKLIST: '["admin","root"]' };
    for (const username of ["admin", "ROOT"]) {
      await expectRejected(signup(newIdentity("regbl"), { username }), { username: ["Username can not be used. Please use other username."] }, vars);
    }
  });

  it("rejects a username over 150 characters and blank fields", async () => {
    await expectRejected(signup(newIdentity("reglong"), { username: "a".repeat(151) }), {
      username: ["Ensure this field has no more than 150 characters."],
    });
    await expectRejected(signup(newIdentity("regblank"), { username: "", email: "" }), {
      username: ["This field may not be blank."],
      email: ["This field may not be blank."],
    });
    await expectRejected(signup(newIdentity("regbademail"), { email: "not-an-email" }), { email: ["Enter a valid email address."] });
    const long = "n".repeat(151);
    await expectRejected(signup(newIdentity("reglongname"), { first_name: long, last_name: long }), {
      first_name: ["Ensure this field has no more than 150 characters."],
      last_name: ["Ensure this field has no more than 150 characters."],
    });
  });

  it("enforces ACCOUNT_USERNAME_MIN_LENGTH with DRF's min_length message", async () => {
    await expectRejected(signup(newIdentity("regmin"), { username: "ab" }), { username: ["Ensure this field has at least 3 characters."] }, {
      ACCOUNT_USERNAME_MIN_LENGTH: "3",
    });
  });

  it("reports password strength under password1", async () => {
    const cases: Array<[string, string[]]> = [
      ["Qz7#kf", ["This password is too short. It must contain at least 8 characters."]],
      ["password", ["This password is too common."]],
      ["48213957302", ["This password is entirely numeric."]],
      ["1234", ["This password is too short. It must contain at least 8 characters.", "This password is too common.", "This password is entirely numeric."]],
    ];
    for (const [password, messages] of cases) {
      await expectRejected(signup(newIdentity("regweak"), { password1: password, password2: password }), { password1: messages });
    }
  });

  it("reports a mismatch under non_field_errors with an ASCII apostrophe", async () => {
    const me = newIdentity("regmismatch");
    const response = await expectRejected(signup(me, { password2: `${me.password}!` }), {
      non_field_errors: ["The two password fields didn't match."],
    });
    expect(response.text).toContain("didn't");
    expect(response.text).not.toContain("\u2019");
  });

  it("runs cross-field checks only when every field passed", async () => {
    const owner = newIdentity("regorder");
    expect((await register(signup(owner))).status).toBe(201);
    const me = newIdentity("regorder");
    await expectRejected(signup(me, { username: owner.username, password2: "different password 123" }), {
      username: ["A user with that username already exists."],
    });
  });

  it("reports similarity to the username or e-mail under non_field_errors", async () => {
    const me = newIdentity("regsim");
    await expectRejected(signup(me, { username: "quixotic_walrus", password1: "quixoticwalrus", password2: "quixoticwalrus" }), {
      non_field_errors: ["The password is too similar to the username."],
    });
    await expectRejected(
      signup(newIdentity("regsim"), { email: "zebracrossing@example.com", password1: "zebracrossing1", password2: "zebracrossing1" }),
      { non_field_errors: ["The password is too similar to the email address."] },
    );
  });

  it("rejects a verification_base_url when no origin is allowed", async () => {
    await expectRejected(signup(newIdentity("regvbu"), { verification_base_url: "https://app.example.com/confirm/" }), {
      verification_base_url: ["This URL's origin is not allowed."],
    });
  });
});

describe("registration settings", () => {
  it("answers 403 when REGISTRATION_OPEN=false, before looking at the body", async () => {
    const me = newIdentity("regclosed");
    const before = await countUsers();
    for (const body of [signup(me), {}]) {
      const response = await register(body, { REGISTRATION_OPEN: "false" });
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ detail: "You do not have permission to perform this action." });
    }
    expect(await countUsers()).toBe(before);
  });

  it("REGISTRATION_PREVENT_ENUMERATION: a taken address gets the same 201, nothing is created, the owner is told", async () => {
    const vars = { REGISTRATION_PREVENT_ENUMERATION: "true" };
    const owner = newIdentity("regenum");
    expect((await register(signup(owner), vars)).status).toBe(201);
    outbox.length = 0;

    const intruder = newIdentity("regenum");
    const before = await countUsers();
    const response = await register(signup(intruder, { email: owner.email.toUpperCase() }), vars);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ detail: "Verification e-mail sent." });
    expect(await countUsers()).toBe(before);
    expect(await env.DB.prepare("select id from users where username = ?").bind(intruder.username).first()).toBeNull();

    const mails = mailTo(owner.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("[edge-rest-auth] Account already exists");
    expect(mails[0]!.text).not.toContain("Confirmation key");
    expect(outbox).toHaveLength(1);
  });

  describe("verification_base_url with VERIFICATION_BASE_URL_ALLOWED_ORIGINS", () => {
    const vars = { VERIFICATION_BASE_URL_ALLOWED_ORIGINS: '["https://app.example.com","http://localhost:3000"]' };

    it("builds the mailed link on an allowed origin (key appended, or filled into {key})", async () => {
      const me = newIdentity("regurl");
      const response = await register(signup(me, { verification_base_url: "https://app.example.com/confirm" }), vars);
      expect(response.status).toBe(201);
      expect(linkIn(mailTo(me.email)[0]!)).toBe(`https://app.example.com/confirm/${confirmationKeyFor(me.email)}/`);

      const other = newIdentity("regurl");
      const filled = await register(signup(other, { verification_base_url: "http://localhost:3000/verify?key={key}" }), vars);
      expect(filled.status).toBe(201);
      expect(linkIn(mailTo(other.email)[0]!)).toBe(`http://localhost:3000/verify?key=${confirmationKeyFor(other.email)}`);
    });

    it("fills {uid} and {token} with the key's two parts (seed 004's verify/token/{uidb64}/{token}/)", async () => {
      const me = newIdentity("regurlparts");
      const response = await register(signup(me, { verification_base_url: "https://app.example.com/activate/{uid}/{token}/" }), vars);
      expect(response.status).toBe(201);
      const [uid, token] = confirmationKeyFor(me.email).split(":");
      expect(uid).toMatch(/^[\w-]+$/);
      expect(token).toMatch(/^[0-9a-z]+-[0-9a-f]+$/);
      expect(linkIn(mailTo(me.email)[0]!)).toBe(`https://app.example.com/activate/${uid}/${token}/`);
    });

    it("treats an empty verification_base_url as absent", async () => {
      const me = newIdentity("regurlempty");
      expect((await register(signup(me, { verification_base_url: "" }), vars)).status).toBe(201);
      expect(linkIn(mailTo(me.email)[0]!)).toMatch(/^https:\/\/api\.example\.test\/auth\/registration\/verification\//);
    });

    it("refuses other origins, look-alikes and credentials in the URL", async () => {
      for (const url of [
        "https://evil.example.com/confirm/",
        "https://app.example.com.evil.com/confirm/",
        "https://app.example.com:8443/confirm/",
        "http://app.example.com/confirm/",
        "https://user:pw@app.example.com/confirm/",
      ]) {
        await expectRejected(signup(newIdentity("regurlbad"), { verification_base_url: url }), {
          verification_base_url: ["This URL's origin is not allowed."],
        }, vars);
      }
    });

    it("answers 'Enter a valid URL.' for something that is not an http(s) URL", async () => {
      for (const url of ["not a url", "javascript:alert(1)", "/relative/path"]) {
        await expectRejected(signup(newIdentity("regurlnot"), { verification_base_url: url }), {
          verification_base_url: ["Enter a valid URL."],
        }, vars);
      }
    });
  });

  it("a failed registration leaves no user row and sends no mail", async () => {
    const me = newIdentity("regnorow");
    await expectRejected(signup(me, { password2: "something else entirely" }), { non_field_errors: ["The two password fields didn't match."] });
    expect(await userRow(me.email)).toBeNull();
    expect(await env.DB.prepare("select id from users where lower(username) = lower(?)").bind(me.username).first()).toBeNull();
    expect(outbox).toHaveLength(0);
  });
});
