// Login with TOTP (contract §2.7.6): the challenge instead of tokens, then ticket + code for the
// TokenResponse. Replayed codes and recovery codes, used, exhausted and expired tickets, cookie mode.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { COOKIE_MODE, setCookies } from "../../../test/cookie-jar";
import { call, clock, eventsOf, jwtPayload, userRow } from "../../../test/helpers";
import { codeStep, countRows, enrolled, INCORRECT, passwordStep, TICKET_INVALID, ticketFor, totpCode, totpRow } from "./mfa.fixtures";

describe("login/ of a user with TOTP", () => {
  it("answers the challenge, not tokens: no session, no last_login, no login event yet", async () => {
    const me = await enrolled();
    const before = { families: await countRows("token_families", me.pk), lastLogin: (await userRow(me.email))!.last_login };
    clock.advance(1);
    const response = await passwordStep(me);
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(["ephemeral_token", "methods", "mfa_required"]);
    expect(response.body).toMatchObject({ mfa_required: true, methods: ["totp", "recovery_code"] });
    expect(response.body.ephemeral_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await countRows("token_families", me.pk)).toBe(before.families);
    expect((await userRow(me.email))!.last_login).toBe(before.lastLogin);
    expect((await eventsOf(me.pk)).filter((e) => e.event === "login")).toHaveLength(1);
    // Stored hashed: the token itself is nowhere in D1.
    const { results } = await env.DB.prepare("select token_hash from mfa_tickets where user_id = ?").bind(me.pk).all<{ token_hash: string }>();
    expect(results).toHaveLength(1);
    expect(results[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(results[0]!.token_hash).not.toContain(response.body.ephemeral_token);
  });

  it("a wrong password still gets the one failure message, and no ticket", async () => {
    const me = await enrolled();
    const response = await passwordStep({ ...me, password: "not the password" });
    expect(response.body).toEqual({ non_field_errors: ["Unable to log in with provided credentials."] });
    expect(await countRows("mfa_tickets", me.pk)).toBe(0);
  });
});

describe("mfa/authenticate/", () => {
  it("trades the ticket and a TOTP code for a TokenResponse whose tokens work", async () => {
    const me = await enrolled();
    const ticket = await ticketFor(me);
    clock.advance(2);
    const response = await codeStep(ticket, await totpCode(me.secret, 1));
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(["access", "access_expiration", "refresh", "refresh_expiration", "user"]);
    expect(response.body.user).toMatchObject({ pk: me.pk, username: me.username });
    expect(jwtPayload(response.body.access)).toMatchObject({ token_type: "access", user_id: String(me.pk) });
    expect((await call("GET", "/auth/user/", { token: response.body.access })).status).toBe(200);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: response.body.refresh } })).status).toBe(200);
    expect((await userRow(me.email))!.last_login).toBe(clock.now());
    const login = (await eventsOf(me.pk)).filter((e) => e.event === "login").at(-1)!;
    expect(login.meta).toEqual({ session: jwtPayload(response.body.access).fam, mfa: "totp" });
    expect(await countRows("mfa_tickets", me.pk)).toBe(0);
  });

  it("a ticket is single-use", async () => {
    const me = await enrolled();
    const ticket = await ticketFor(me);
    expect((await codeStep(ticket, await totpCode(me.secret, 1))).status).toBe(200);
    clock.advance(30);
    const again = await codeStep(ticket, await totpCode(me.secret, 1));
    expect(again.status).toBe(401);
    expect(again.body).toEqual(TICKET_INVALID);
    expect(again.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("a TOTP code is good once per step: replayed with a new ticket it is refused, the next step's is not", async () => {
    const me = await enrolled();
    const code = await totpCode(me.secret, 1);
    expect((await codeStep(await ticketFor(me), code)).status).toBe(200);
    const ticket = await ticketFor(me);
    const replayed = await codeStep(ticket, code);
    expect(replayed.status).toBe(400);
    expect(replayed.body).toEqual(INCORRECT);
    // Codes of earlier steps are spent too.
    expect((await codeStep(ticket, await totpCode(me.secret, 0))).body).toEqual(INCORRECT);
    clock.advance(30);
    expect((await codeStep(ticket, await totpCode(me.secret, 1))).status).toBe(200);
    expect((await totpRow(me.pk))!.last_used_step).toBe(Math.floor(clock.now() / 30_000) + 1);
  });

  it("the code that activated TOTP cannot log in within its step", async () => {
    const me = await enrolled();
    expect((await codeStep(await ticketFor(me), await totpCode(me.secret, 0))).body).toEqual(INCORRECT);
  });

  it("a wrong code is a 400 and a login_failed event with reason mfa", async () => {
    const me = await enrolled();
    const code = await totpCode(me.secret, 1);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    const response = await codeStep(await ticketFor(me), wrong);
    expect(response.status).toBe(400);
    expect(response.body).toEqual(INCORRECT);
    const failed = (await eventsOf(me.pk)).filter((e) => e.event === "login_failed");
    expect(failed.map((e) => e.meta)).toEqual([{ reason: "mfa" }]);
  });

  it("five wrong codes kill the ticket: then even the right code gets 401", async () => {
    const me = await enrolled();
    const ticket = await ticketFor(me);
    for (let i = 0; i < 5; i++) expect((await codeStep(ticket, "000000x".slice(0, 6 + (i % 2)))).status).toBe(400);
    const late = await codeStep(ticket, await totpCode(me.secret, 1));
    expect(late.status).toBe(401);
    expect(late.body).toEqual(TICKET_INVALID);
    // A fresh login gets a fresh ticket.
    expect((await codeStep(await ticketFor(me), await totpCode(me.secret, 1))).status).toBe(200);
  });

  it("parallel guesses share the ticket's limit: of 20 at once, at most 5 are checked, the rest get 401", async () => {
    const me = await enrolled();
    const ticket = await ticketFor(me);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => codeStep(ticket, String(100000 + i))));
    const checked = results.filter((r) => r.status === 400);
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.status === 401).length).toBe(20 - checked.length);
    expect((await codeStep(ticket, await totpCode(me.secret, 1))).status).toBe(checked.length === 5 ? 401 : 200);
  });

  it("a password change kills open tickets: a login half done with the old password cannot finish", async () => {
    const me = await enrolled();
    const ticket = await ticketFor(me);
    const changed = await call("POST", "/auth/password/change/", {
      token: me.access,
      body: { old_password: me.password, new_password1: "another long passphrase", new_password2: "another long passphrase" },
    });
    expect(changed.status).toBe(200);
    const late = await codeStep(ticket, await totpCode(me.secret, 1));
    expect(late.status).toBe(401);
    expect(late.body).toEqual(TICKET_INVALID);
  });

  it("four wrong codes leave the ticket usable", async () => {
    const me = await enrolled();
    const ticket = await ticketFor(me);
    for (let i = 0; i < 4; i++) await codeStep(ticket, "000000");
    expect((await codeStep(ticket, await totpCode(me.secret, 1))).status).toBe(200);
  });

  it("a ticket expires after 300 s", async () => {
    const me = await enrolled();
    const fresh = await ticketFor(me);
    const stale = await ticketFor(me);
    clock.advance(299);
    expect((await codeStep(fresh, await totpCode(me.secret, 1))).status).toBe(200);
    clock.advance(1);
    const expired = await codeStep(stale, await totpCode(me.secret, 1));
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(TICKET_INVALID);
  });

  it("refuses made-up tickets and validates its fields", async () => {
    expect((await codeStep("x".repeat(43), "123456")).body).toEqual(TICKET_INVALID);
    expect((await call("POST", "/auth/mfa/authenticate/", { body: {} })).body).toEqual({
      ephemeral_token: ["This field is required."],
      code: ["This field is required."],
    });
  });

  it("the ticket dies with the account: an inactive user gets 401", async () => {
    const me = await enrolled();
    const ticket = await ticketFor(me);
    await env.DB.prepare("update users set is_active = 0 where id = ?").bind(me.pk).run();
    expect((await codeStep(ticket, await totpCode(me.secret, 1))).body).toEqual(TICKET_INVALID);
  });

  it("of two requests racing with one ticket and one code, exactly one logs in", async () => {
    const me = await enrolled();
    const ticket = await ticketFor(me);
    const code = await totpCode(me.secret, 1);
    const results = await Promise.all([codeStep(ticket, code), codeStep(ticket, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(await countRows("token_families", me.pk)).toBe(2);
  });

  it("each code spends the account's login budget, across tickets, as its password steps do", async () => {
    const vars = { THROTTLE_ENABLED: "true", THROTTLE_RATES: '{"login_identifier":"5/min"}' };
    const me = await enrolled();
    // One budget per account: password steps (whatever identifier was typed) and codes spend it alike.
    const first = await ticketFor(me, vars);
    expect((await codeStep(first, "000000", { env: vars })).status).toBe(400);
    expect((await codeStep(first, "000000", { env: vars })).status).toBe(400);
    const second = await ticketFor({ ...me, username: me.email.toUpperCase() }, vars);
    expect((await codeStep(second, await totpCode(me.secret, 1), { env: vars })).status).toBe(200);
    const throttled = await passwordStep(me, vars);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("answers in the legacy field style when configured", async () => {
    const vars = { JWT_RESPONSE_FIELD_STYLE: "legacy" };
    const me = await enrolled();
    const response = await codeStep(await ticketFor(me, vars), await totpCode(me.secret, 1), { env: vars });
    expect(Object.keys(response.body).sort()).toEqual(["access_token", "access_token_expiration", "refresh_token", "refresh_token_expiration", "user"]);
  });
});

describe("recovery codes at login", () => {
  it("each works once, typed loosely (case, spaces, no dashes), and the count goes down", async () => {
    const me = await enrolled();
    const [first, second] = me.recoveryCodes as [string, string];
    const response = await codeStep(await ticketFor(me), ` ${first.toUpperCase().replace(/-/g, " ")} `);
    expect(response.status).toBe(200);
    expect((await eventsOf(me.pk)).filter((e) => e.event === "login").at(-1)!.meta.mfa).toBe("recovery_code");
    const status = await call("GET", "/auth/mfa/", { token: response.body.access });
    expect(status.body.recovery_codes.remaining).toBe(9);

    const reused = await codeStep(await ticketFor(me), first);
    expect(reused.status).toBe(400);
    expect(reused.body).toEqual(INCORRECT);
    expect((await codeStep(await ticketFor(me), second.replace(/-/g, ""))).status).toBe(200);
    expect(JSON.parse((await totpRow(me.pk))!.recovery_codes)).toHaveLength(8);
  });

  it("another user's code, a made-up one and a near miss are refused", async () => {
    const me = await enrolled();
    const other = await enrolled();
    const code = me.recoveryCodes[0]!;
    const nearMiss = `${code.slice(0, -1)}${code.endsWith("0") ? "1" : "0"}`;
    const ticket = await ticketFor(me);
    for (const bad of [other.recoveryCodes[0]!, "0000-0000-00", nearMiss, "not-a-code"]) {
      expect((await codeStep(ticket, bad)).body, bad).toEqual(INCORRECT);
    }
  });

  it("two concurrent attempts on one ticket with two recovery codes: one logs in, the loser's code is not burnt", async () => {
    const me = await enrolled();
    const ticket = await ticketFor(me);
    const [x, y] = [me.recoveryCodes[5]!, me.recoveryCodes[6]!];
    const results = await Promise.all([codeStep(ticket, x), codeStep(ticket, y)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    // Exactly one code is gone: the winner's.
    expect(JSON.parse((await totpRow(me.pk))!.recovery_codes)).toHaveLength(9);
    const loser = results[0]!.status === 401 ? x : y;
    expect((await codeStep(await ticketFor(me), loser)).status).toBe(200);
  });

  it("two concurrent logins with the same recovery code: one succeeds", async () => {
    const me = await enrolled();
    const [a, b] = [await ticketFor(me), await ticketFor(me)];
    const results = await Promise.all([codeStep(a, me.recoveryCodes[3]!), codeStep(b, me.recoveryCodes[3]!)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(JSON.parse((await totpRow(me.pk))!.recovery_codes)).toHaveLength(9);
  });
});

describe("cookie mode", () => {
  const vars = { ...COOKIE_MODE, JWT_AUTH_HTTPONLY: "true" };

  it("the challenge sets no cookie; authenticate sets the JWT cookies and a csrftoken, as login does", async () => {
    const me = await enrolled("mfa", vars);
    const challenge = await passwordStep(me, vars);
    expect(challenge.body.mfa_required).toBe(true);
    expect(setCookies(challenge).raw).toEqual([]);
    const response = await codeStep(challenge.body.ephemeral_token, await totpCode(me.secret, 1), { env: vars });
    expect(response.status).toBe(200);
    expect(response.body.refresh).toBe("");
    const cookies = setCookies(response);
    expect(Object.keys(cookies.values).sort()).toEqual(["app-access", "app-refresh", "csrftoken"]);
    expect(cookies.values["app-access"]).toBe(response.body.access);
    expect(cookies.lines["app-refresh"]).toContain("HttpOnly");
    expect(response.headers.get("x-csrftoken")).toBe(cookies.values.csrftoken);
    const user = await call("GET", "/auth/user/", { headers: { cookie: `app-access=${cookies.values["app-access"]}` }, env: vars });
    expect(user.status).toBe(200);
    const refreshed = await call("POST", "/auth/token/refresh/", { headers: { cookie: `app-refresh=${cookies.values["app-refresh"]}` }, env: vars });
    expect(refreshed.status).toBe(200);
  });

  it("with ENFORCE_CSRF_ON_UNAUTHENTICATED, authenticate needs the CSRF pair like login", async () => {
    const strict = { ...vars, JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: "true" };
    const me = await enrolled("mfa", vars);
    const response = await codeStep(await ticketFor(me, vars), await totpCode(me.secret, 1), { env: strict });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ detail: "CSRF Failed: CSRF cookie not set." });
  });
});
