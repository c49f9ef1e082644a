// Races, each run in parallel inside one workerd isolate against one D1: every check-and-set holds.
import { env } from "cloudflare:test";
import { afterAll, describe, expect, it, vi } from "vitest";
import { enrolled, ticketFor, totpCode } from "../../src/features/mfa/mfa.fixtures";
import { call, confirmationKeyFor, jwtPayload, loggedIn, newIdentity } from "../helpers";

const STRICT = { REFRESH_REUSE_INTERVAL: "0" };
let races = 0;
afterAll(() => console.log(`races: ${races} races run`));

const family = (token: string) =>
  env.DB.prepare("select current_jti, revoked_at, revoked_reason from token_families where id = ?").bind(jwtPayload(token).fam).first<Record<string, any>>();

/** `count` sessions (token families) of one verified user. */
async function sessions(count: number, vars?: Record<string, string>) {
  const me = await loggedIn("race", vars);
  const logins = await Promise.all(
    Array.from({ length: count - 1 }, () => call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, env: vars })),
  );
  return [me.refresh, ...logins.map((login) => login.body.refresh as string)];
}

const refresh = (token: string, vars?: Record<string, string>) => call("POST", "/auth/token/refresh/", { body: { refresh: token }, env: vars });

describe("100 parallel double-refreshes", () => {
  it("REFRESH_REUSE_INTERVAL=0: each pair has exactly one winner, and the loser's replay ends that family", { timeout: 120_000 }, async () => {
    const tokens = await sessions(100, STRICT);
    const pairs = await Promise.all(tokens.map((token) => Promise.all([refresh(token, STRICT), refresh(token, STRICT)])));
    races += pairs.length;
    for (const [i, pair] of pairs.entries()) {
      expect(pair.map((r) => r.status).sort(), `pair ${i}`).toEqual([200, 401]);
      // Strict mode: the second presentation of a rotated token is reuse, so the family is revoked.
      expect((await family(tokens[i]!))!.revoked_reason).toBe("reuse");
    }
  });

  it("default interval: both of each pair succeed with the same new refresh token, and the family rotated once", { timeout: 120_000 }, async () => {
    const tokens = await sessions(100);
    const pairs = await Promise.all(tokens.map((token) => Promise.all([refresh(token), refresh(token)])));
    races += pairs.length;
    for (const [i, [a, b]] of pairs.entries()) {
      expect([a!.status, b!.status], `pair ${i}`).toEqual([200, 200]);
      expect(a!.body.refresh).toBe(b!.body.refresh);
      const row = await family(tokens[i]!);
      expect(row).toMatchObject({ current_jti: jwtPayload(a!.body.refresh).jti, revoked_at: null });
    }
  });
});

describe("50 parallel sign-ups", () => {
  it("of one username in different cases make one account", { timeout: 120_000 }, async () => {
    const base = newIdentity("Race").username;
    const variants = Array.from({ length: 50 }, (_, i) => [...base].map((ch, j) => ((i >> j % 6) & 1 ? ch.toUpperCase() : ch.toLowerCase())).join(""));
    const answers = await Promise.all(
      variants.map((username, i) =>
        call("POST", "/auth/registration/", {
          body: { username, email: `${base}-${i}@example.com`, password1: "correct horse battery staple", password2: "correct horse battery staple" },
        }),
      ),
    );
    races++;
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 201)) expect(answer.body).toEqual({ username: ["A user with that username already exists."] });
    const rows = await env.DB.prepare("select count(*) as n from users where lower(username) = lower(?)").bind(base).first<{ n: number }>();
    expect(rows!.n).toBe(1);
    const profiles = await env.DB.prepare("select count(*) as n from profiles join users on users.id = profiles.user_id where lower(username) = lower(?)").bind(base).first<{ n: number }>();
    expect(profiles!.n).toBe(1);
  });

  it("of one e-mail address in different cases make one account", { timeout: 120_000 }, async () => {
    const base = newIdentity("race");
    const [local, domain] = base.email.split("@");
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call("POST", "/auth/registration/", {
          body: {
            username: `${base.username}x${i}`,
            email: `${i % 2 ? local!.toUpperCase() : local}@${i % 3 ? domain!.toUpperCase() : domain}`,
            password1: base.password,
            password2: base.password,
          },
        }),
      ),
    );
    races++;
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 201)) expect(answer.body).toEqual({ email: ["User is already registered with this e-mail address."] });
    const rows = await env.DB.prepare("select count(*) as n from users where lower(email) = lower(?)").bind(base.email).first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });
});

describe("parallel e-mail change confirmations for one address", () => {
  it("leave exactly one owner", { timeout: 120_000 }, async () => {
    const target = `${newIdentity("owner").username}@example.com`;
    const people = await Promise.all(Array.from({ length: 10 }, () => loggedIn("claim")));
    const keys: string[] = [];
    for (const me of people) {
      const requested = await call("POST", "/auth/email/change/", { token: me.access, body: { email: target, password: me.password } });
      expect(requested.status).toBe(200);
      keys.push(confirmationKeyFor(target));
    }
    const answers = await Promise.all(keys.map((key) => call("POST", "/auth/registration/verify-email/", { body: { key } })));
    races++;
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const answer of answers) expect(answer.status).toBeLessThan(500);
    const owners = await env.DB.prepare("select id from users where lower(email) = lower(?)").bind(target).all();
    expect(owners.results).toHaveLength(1);
  });
});

describe("logout racing refresh", () => {
  it.each([
    ["the default reuse interval", {}],
    ["REFRESH_REUSE_INTERVAL=0", STRICT],
  ])("with %s: every family ends revoked, and a token the refresh handed out is dead", { timeout: 120_000 }, async (_label, vars) => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const tokens = await sessions(50, vars);
    const outcomes = await Promise.all(
      tokens.map((token) => Promise.all([call("POST", "/auth/logout/", { body: { refresh: token }, env: vars }), refresh(token, vars)])),
    );
    races += outcomes.length;
    for (const [i, [logout, refreshed]] of outcomes.entries()) {
      expect(logout!.status).toBeLessThan(500);
      expect(refreshed!.status).toBeLessThan(500);
      expect((await family(tokens[i]!))!.revoked_at, `family ${i}`).not.toBeNull();
      if (refreshed!.status === 200) {
        expect((await refresh(refreshed!.body.refresh, vars)).status).toBe(401);
        expect((await call("GET", "/auth/user/", { token: refreshed!.body.access, env: vars })).status).toBe(401);
      }
    }
  });
});

describe("parallel MFA codes", () => {
  it("one TOTP code on 10 tickets: one login", { timeout: 120_000 }, async () => {
    const me = await enrolled("racemfa");
    const tickets = await Promise.all(Array.from({ length: 10 }, () => ticketFor(me)));
    // The activation spent the current step; the next one is unused.
    const code = await totpCode(me.secret, 1);
    const answers = await Promise.all(tickets.map((ticket) => call("POST", "/auth/mfa/authenticate/", { body: { ephemeral_token: ticket, code } })));
    races++;
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const answer of answers) expect(answer.status).toBeLessThan(500);
  });

  it("one recovery code on 10 tickets: one login, and the code is spent", { timeout: 120_000 }, async () => {
    const me = await enrolled("racemfa");
    const tickets = await Promise.all(Array.from({ length: 10 }, () => ticketFor(me)));
    const code = me.recoveryCodes[0]!;
    const answers = await Promise.all(tickets.map((ticket) => call("POST", "/auth/mfa/authenticate/", { body: { ephemeral_token: ticket, code } })));
    races++;
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const row = await env.DB.prepare("select recovery_codes from mfa_totp where user_id = ?").bind(me.pk).first<{ recovery_codes: string }>();
    expect(JSON.parse(row!.recovery_codes)).toHaveLength(me.recoveryCodes.length - 1);
  });

  it("the same ticket with 10 parallel codes: one login, the ticket spent", { timeout: 120_000 }, async () => {
    const me = await enrolled("racemfa");
    const ticket = await ticketFor(me);
    const codes = [await totpCode(me.secret, 1), ...me.recoveryCodes.slice(0, 9)];
    const answers = await Promise.all(codes.map((code) => call("POST", "/auth/mfa/authenticate/", { body: { ephemeral_token: ticket, code } })));
    races++;
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const families = await env.DB.prepare("select count(*) as n from token_families where user_id = ? and revoked_at is null").bind(me.pk).first<{ n: number }>();
    // The enrolment's own login plus exactly one from the ticket.
    expect(families!.n).toBe(2);
  });
});
