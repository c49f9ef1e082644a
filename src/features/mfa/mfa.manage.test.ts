// Turning TOTP off and renewing recovery codes (contract §2.7.4, §2.7.5), what survives a password
// reset, MFA_ENCRYPTION_KEYS rotation, and what login costs users without MFA.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { resetMail } from "../../../test/conformance/case";
import { app, call, clock, countingEnv, eventsOf, loggedIn, registerVerified, userRow } from "../../../test/helpers";
import { codeStep, countRows, enrolled, INCORRECT, passwordStep, TICKET_INVALID, ticketFor, totpCode, totpRow } from "./mfa.fixtures";

const WRONG_PASSWORD = { password: ["Incorrect password."] };
const deactivate = (token: string, password: string, vars?: Record<string, string>) =>
  call("POST", "/auth/mfa/totp/deactivate/", { token, body: { password }, env: vars });
const regenerate = (token: string, password: string, vars?: Record<string, string>) =>
  call("POST", "/auth/mfa/recovery-codes/regenerate/", { token, body: { password }, env: vars });

describe("mfa/totp/deactivate/", () => {
  it("with the password: TOTP and its codes are gone, login gives tokens again, open tickets die", async () => {
    const me = await enrolled();
    const ticket = await ticketFor(me);
    const response = await deactivate(me.access, me.password);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "TOTP disabled." });
    expect(await totpRow(me.pk)).toBeNull();
    expect((await userRow(me.email))!.mfa_enabled).toBe(0);
    expect((await call("GET", "/auth/mfa/", { token: me.access })).body).toEqual({ totp: { enabled: false, created_at: null }, recovery_codes: { remaining: 0 } });
    expect((await codeStep(ticket, await totpCode(me.secret, 1))).body).toEqual(TICKET_INVALID);
    const login = await passwordStep(me);
    expect(login.body).toHaveProperty("access");
    expect((await eventsOf(me.pk)).filter((e) => e.event === "mfa_disabled")).toHaveLength(1);
  });

  it("refuses a wrong password (TOTP stays on) and says when TOTP is not on", async () => {
    const me = await enrolled();
    const wrong = await deactivate(me.access, "not my password");
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual(WRONG_PASSWORD);
    expect((await userRow(me.email))!.mfa_enabled).toBe(1);
    const plain = await loggedIn("mfa");
    const off = await deactivate(plain.access, plain.password);
    expect(off.status).toBe(400);
    expect(off.body).toEqual({ detail: "TOTP is not enabled." });
    expect((await call("POST", "/auth/mfa/totp/deactivate/", { token: plain.access, body: {} })).body).toEqual({ password: ["This field is required."] });
  });

  it("also clears a pending setup", async () => {
    const me = await loggedIn("mfa");
    await call("POST", "/auth/mfa/totp/setup/", { token: me.access });
    expect((await deactivate(me.access, me.password)).body).toEqual({ detail: "TOTP is not enabled." });
    expect(await totpRow(me.pk)).toBeNull();
  });
});

describe("mfa/recovery-codes/regenerate/", () => {
  it("ten new codes; the unused old ones stop working", async () => {
    const me = await enrolled();
    const response = await regenerate(me.access, me.password);
    expect(response.status).toBe(200);
    const codes: string[] = response.body.recovery_codes;
    expect(codes).toHaveLength(10);
    expect(codes.filter((code) => me.recoveryCodes.includes(code))).toEqual([]);
    expect((await codeStep(await ticketFor(me), me.recoveryCodes[0]!)).body).toEqual(INCORRECT);
    expect((await codeStep(await ticketFor(me), codes[0]!)).status).toBe(200);
    expect((await call("GET", "/auth/mfa/", { token: me.access })).body.recovery_codes.remaining).toBe(9);
    expect((await eventsOf(me.pk)).filter((e) => e.event === "recovery_codes_regenerated")).toHaveLength(1);
  });

  it("refuses a wrong password and a user without TOTP", async () => {
    const me = await enrolled();
    expect((await regenerate(me.access, "nope nope")).body).toEqual(WRONG_PASSWORD);
    expect((await codeStep(await ticketFor(me), me.recoveryCodes[0]!)).status).toBe(200);
    const plain = await loggedIn("mfa");
    expect((await regenerate(plain.access, plain.password)).body).toEqual({ detail: "TOTP is not enabled." });
  });
});

describe("a password reset", () => {
  it("does not remove MFA: the next login still asks for the code", async () => {
    const me = await enrolled();
    const { uid, token } = await resetMail(me.email);
    const reset = await call("POST", "/auth/password/reset/confirm/", { body: { uid, token, new_password1: "a fresh passphrase 9", new_password2: "a fresh passphrase 9" } });
    expect(reset.status).toBe(200);
    const login = await passwordStep({ username: me.username, password: "a fresh passphrase 9" });
    expect(login.body.mfa_required).toBe(true);
  });
});

describe("MFA_ENCRYPTION_KEYS rotation", () => {
  const OLD = "old-mfa-key-0123456789abcdef0123456789abcdef";
  const NEW = "new-mfa-key-0123456789abcdef0123456789abcdef";
  const keys = (...list: string[]) => ({ MFA_ENCRYPTION_KEYS: JSON.stringify(list) });

  it("a new first key encrypts; rows under the old one keep working until regenerate moves them", async () => {
    const me = await enrolled("mfa", keys(OLD));
    const oldId = (await totpRow(me.pk))!.key_id;
    const both = keys(NEW, OLD);
    expect((await codeStep(await ticketFor(me, both), await totpCode(me.secret, 1), { env: both })).status).toBe(200);
    expect((await codeStep(await ticketFor(me, both), me.recoveryCodes[0]!, { env: both })).status).toBe(200);

    const fresh = await regenerate(me.access, me.password, both);
    expect(fresh.status).toBe(200);
    const row = (await totpRow(me.pk))!;
    expect(row.key_id).not.toBe(oldId);
    // Moved: the old key can go, the same secret and the new codes still work.
    const onlyNew = keys(NEW);
    expect((await codeStep(await ticketFor(me, onlyNew), fresh.body.recovery_codes[0], { env: onlyNew })).status).toBe(200);
    clock.advance(30);
    expect((await codeStep(await ticketFor(me, onlyNew), await totpCode(me.secret, 1), { env: onlyNew })).status).toBe(200);
  });

  it("a row whose key was removed fails closed: 500 naming the setting, no tokens", async () => {
    const me = await enrolled("mfa", keys(OLD));
    const onlyNew = keys(NEW);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await codeStep(await ticketFor(me, onlyNew), await totpCode(me.secret, 1), { env: onlyNew });
    expect(response.status).toBe(500);
    expect(response.body.detail).toMatch(/^Server misconfigured: MFA_ENCRYPTION_KEYS: key [0-9a-f]{16}, which a user's TOTP secret is stored under, is no longer configured/);
    expect(logged).toHaveBeenCalled();
    expect(await countRows("token_families", me.pk)).toBe(1);
  });

  it("without any key, a user with TOTP still gets the challenge and no tokens", async () => {
    const me = await enrolled();
    const none = { MFA_ENCRYPTION_KEYS: "" };
    vi.spyOn(console, "error").mockImplementation(() => {});
    const challenge = await passwordStep(me, none);
    expect(challenge.body.mfa_required).toBe(true);
    expect((await codeStep(challenge.body.ephemeral_token, await totpCode(me.secret, 1), { env: none })).status).toBe(500);
  });

  it("a secret copied into another user's row does not decrypt there (it is bound to its user)", async () => {
    const [alice, bob] = [await enrolled(), await enrolled()];
    const stolen = (await totpRow(alice.pk))!;
    await env.DB.prepare("update mfa_totp set secret = ?, key_id = ? where user_id = ?").bind(stolen.secret, stolen.key_id, bob.pk).run();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await codeStep(await ticketFor(bob), await totpCode(alice.secret, 1));
    expect(response.status).toBe(500);
    expect(await countRows("token_families", bob.pk)).toBe(1);
  });
});

async function countedLogin(me: { username: string; password: string }) {
  const { env: counted, trips } = countingEnv();
  const ctx = createExecutionContext();
  const request = new Request("https://api.example.test/auth/login/", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: me.username, password: me.password }),
  });
  const response = await app.fetch(request, counted, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, trips };
}

describe("what login costs", () => {
  it("without MFA: the user lookup (the flag comes with the row), one batch, the deferred event; no MFA table read", async () => {
    const me = await registerVerified("mfacost");
    const { status, body, trips } = await countedLogin(me);
    expect(status).toBe(200);
    expect(body).toHaveProperty("access");
    expect(trips).toHaveLength(3);
    expect(trips[0]).toMatch(/^select .*"mfa_enabled".* from "users"/);
    expect(trips[1]).toBe("batch of 2");
    expect(trips[2]).toMatch(/^insert into "events"/);
    expect(trips.join(" ")).not.toMatch(/mfa_totp|mfa_tickets/);
  });

  it("with MFA: the user lookup and the ticket insert", async () => {
    const me = await enrolled("mfacost");
    const { body, trips } = await countedLogin(me);
    expect(body.mfa_required).toBe(true);
    expect(trips).toHaveLength(2);
    expect(trips[1]).toMatch(/^insert into "mfa_tickets"/);
  });
});
