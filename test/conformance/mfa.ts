// Conformance cases of the MFA endpoints (contract §2.7): status, setup, activate, deactivate, recovery codes, authenticate.
import { enrolled, ticketFor, totpCode } from "../../src/features/mfa/mfa.fixtures";
import { COOKIE_MODE } from "../cookie-jar";
import { call, type CallResult, loggedIn } from "../helpers";
import { BAD_TOKEN, type Case, type CaseTable, freshIp } from "./case";

const asUser = (method: string, path: string, body?: unknown) => async (env: Record<string, string>): Promise<CallResult> =>
  call(method, path, { body, token: (await loggedIn("conf", env)).access, env });
const asEnrolled = (path: string, body: (me: Awaited<ReturnType<typeof enrolled>>) => unknown) => async (env: Record<string, string>) => {
  const me = await enrolled("conf", env);
  return call("POST", path, { body: body(me), token: me.access, env });
};

const unauthenticated = (method: string, path: string, body?: unknown): Case[] => [
  { name: "no token", status: 401, send: (env) => call(method, path, { body, env }) },
  { name: "bad token", status: 401, send: (env) => call(method, path, { body, token: BAD_TOKEN, env }) },
];

const authenticate = (env: Record<string, string>, ticket: string, code: string, headers?: Record<string, string>) =>
  call("POST", "/auth/mfa/authenticate/", { body: { ephemeral_token: ticket, code }, env, headers });

export const mfaCases: CaseTable = {
  mfaStatus: {
    bad: unauthenticated("GET", "/auth/mfa/"),
    good: [
      { name: "TOTP off", status: 200, send: asUser("GET", "/auth/mfa/") },
      { name: "TOTP on", status: 200, send: async (env) => call("GET", "/auth/mfa/", { token: (await enrolled("conf", env)).access, env }) },
    ],
  },
  mfaTotpSetup: {
    bad: [...unauthenticated("POST", "/auth/mfa/totp/setup/"), { name: "already enabled", status: 400, send: asEnrolled("/auth/mfa/totp/setup/", () => ({})) }],
    good: [{ name: "first setup", status: 200, send: asUser("POST", "/auth/mfa/totp/setup/") }],
  },
  mfaTotpActivate: {
    bad: [
      ...unauthenticated("POST", "/auth/mfa/totp/activate/", { code: "123456" }),
      { name: "no setup yet", status: 400, send: asUser("POST", "/auth/mfa/totp/activate/", { code: "123456" }) },
      { name: "no code", status: 400, send: asUser("POST", "/auth/mfa/totp/activate/", {}) },
      {
        name: "wrong code",
        status: 400,
        send: async (env) => {
          const me = await loggedIn("conf", env);
          const { secret } = (await call("POST", "/auth/mfa/totp/setup/", { token: me.access, env })).body;
          const wrong = String((Number(await totpCode(secret)) + 1) % 1_000_000).padStart(6, "0");
          return call("POST", "/auth/mfa/totp/activate/", { body: { code: wrong }, token: me.access, env });
        },
      },
    ],
    good: [
      {
        name: "the current code",
        status: 200,
        send: async (env) => {
          const me = await loggedIn("conf", env);
          const { secret } = (await call("POST", "/auth/mfa/totp/setup/", { token: me.access, env })).body;
          return call("POST", "/auth/mfa/totp/activate/", { body: { code: await totpCode(secret) }, token: me.access, env });
        },
      },
    ],
  },
  mfaTotpDeactivate: {
    bad: [
      ...unauthenticated("POST", "/auth/mfa/totp/deactivate/", { password: "x" }),
      { name: "wrong password", status: 400, send: asEnrolled("/auth/mfa/totp/deactivate/", () => ({ password: "not it" })) },
      { name: "TOTP not enabled", status: 400, send: async (env) => { const me = await loggedIn("conf", env); return call("POST", "/auth/mfa/totp/deactivate/", { body: { password: me.password }, token: me.access, env }); } },
    ],
    good: [{ name: "the password", status: 200, send: asEnrolled("/auth/mfa/totp/deactivate/", (me) => ({ password: me.password })) }],
  },
  mfaRecoveryCodesRegenerate: {
    bad: [
      ...unauthenticated("POST", "/auth/mfa/recovery-codes/regenerate/", { password: "x" }),
      { name: "wrong password", status: 400, send: asEnrolled("/auth/mfa/recovery-codes/regenerate/", () => ({ password: "not it" })) },
      { name: "TOTP not enabled", status: 400, send: async (env) => { const me = await loggedIn("conf", env); return call("POST", "/auth/mfa/recovery-codes/regenerate/", { body: { password: me.password }, token: me.access, env }); } },
    ],
    good: [{ name: "the password", status: 200, send: asEnrolled("/auth/mfa/recovery-codes/regenerate/", (me) => ({ password: me.password })) }],
  },
  mfaAuthenticate: {
    bad: [
      { name: "empty body", status: 400, send: (env) => call("POST", "/auth/mfa/authenticate/", { body: {}, env }) },
      { name: "made-up ticket", status: 401, send: (env) => authenticate(env, "x".repeat(43), "123456") },
      { name: "wrong code", status: 400, send: async (env) => authenticate(env, await ticketFor(await enrolled("conf", env), env), "000000x") },
      {
        name: "second request in a 1/min window",
        status: 429,
        env: { THROTTLE_ENABLED: "true", THROTTLE_RATES: '{"mfa":"1/min"}' },
        send: async (env) => {
          const headers = { "cf-connecting-ip": freshIp() };
          await authenticate(env, "x".repeat(43), "123456", headers);
          return authenticate(env, "x".repeat(43), "123456", headers);
        },
      },
    ],
    good: [
      {
        name: "a TOTP code",
        status: 200,
        send: async (env) => {
          const me = await enrolled("conf", env);
          return authenticate(env, await ticketFor(me, env), await totpCode(me.secret, 1));
        },
      },
      {
        name: "a recovery code, cookie mode with HttpOnly",
        status: 200,
        env: { ...COOKIE_MODE, JWT_AUTH_HTTPONLY: "true" },
        send: async (env) => {
          const me = await enrolled("conf", env);
          return authenticate(env, await ticketFor(me, env), me.recoveryCodes[0]!);
        },
      },
    ],
  },
};

/** login/'s own good case for a user with TOTP: the challenge. */
export const mfaLoginCase: Case = {
  name: "a user with TOTP: the MFA challenge",
  status: 200,
  send: async (env) => {
    const me = await enrolled("conf", env);
    return call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, env });
  },
};
