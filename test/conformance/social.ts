// Conformance cases of the social endpoints (contract §2.5), with a generic OpenID Connect provider
// configured and faked (its id_tokens really signed).
import { FakeOidc, FakeWorld, newPerson, newSigningKey, socialEnv } from "../../src/features/social/social.fixtures";
import { COOKIE_MODE } from "../cookie-jar";
import { call, type CallResult, loggedIn } from "../helpers";
import { BAD_TOKEN, type Case, type CaseTable, freshIp } from "./case";

const SOCIAL = socialEnv();
let signingKey: ReturnType<typeof newSigningKey> | undefined;

/** A fake IdP answering this request's provider calls. */
async function provider(): Promise<FakeOidc> {
  signingKey ??= newSigningKey("conformance-1");
  return new FakeOidc(new FakeWorld(), await signingKey);
}

const idTokenBody = async () => {
  const idp = await provider();
  return { id_token: await idp.idToken(newPerson()) };
};

const login = (env: Record<string, string>, body: unknown, headers?: Record<string, string>) => call("POST", "/auth/keycloak/", { body, env, headers });

/** A user created by a social login: its access token and its one social account's id. */
async function socialUser(env: Record<string, string>) {
  const response = await login(env, await idTokenBody());
  if (response.status !== 200) throw new Error(`social login failed: ${response.text}`);
  const accounts = await call("GET", "/auth/socialaccounts/", { token: response.body.access, env });
  return { access: response.body.access as string, accountId: accounts.body[0].id as number };
}

const unauthenticated = (method: string, path: string, body?: unknown): Case[] => [
  { name: "no token", status: 401, env: SOCIAL, send: (env) => call(method, path, { body, env }) },
  { name: "bad token", status: 401, env: SOCIAL, send: (env) => call(method, path, { body, token: BAD_TOKEN, env }) },
];

const asUser = (method: string, path: string, body?: () => Promise<unknown>) => async (env: Record<string, string>): Promise<CallResult> =>
  call(method, path, { body: body ? await body() : undefined, token: (await loggedIn("conf", env)).access, env });

export const socialCases: CaseTable = {
  socialLogin: {
    bad: [
      { name: "no credential", status: 400, env: SOCIAL, send: (env) => login(env, {}) },
      { name: "id_token not a string", status: 400, env: SOCIAL, send: (env) => login(env, { id_token: 1.5, access_token: ["x"] }) },
      { name: "text/plain body", status: 415, env: SOCIAL, send: (env) => call("POST", "/auth/keycloak/", { rawBody: "x", headers: { "content-type": "text/plain" }, env }) },
      { name: "body over 64 KiB", status: 413, env: SOCIAL, send: (env) => login(env, { pad: "x".repeat(70_000) }) },
      {
        name: "id_token for another client",
        status: 400,
        env: SOCIAL,
        send: async (env) => login(env, { id_token: await (await provider()).idToken(newPerson(), { aud: "someone-else" }) }),
      },
      { name: "new account with SOCIALACCOUNT_AUTO_SIGNUP=false", status: 403, env: { ...SOCIAL, SOCIALACCOUNT_AUTO_SIGNUP: "false" }, send: async (env) => login(env, await idTokenBody()) },
      {
        name: "provider unreachable",
        status: 502,
        env: SOCIAL,
        send: async (env) => {
          (await provider()).world.failure = () => {
            throw new TypeError("Network connection lost.");
          };
          return login(env, { access_token: "at-x" });
        },
      },
      {
        name: "second request in a 1/min window",
        status: 429,
        env: { ...SOCIAL, THROTTLE_ENABLED: "true", THROTTLE_RATES: '{"social":"1/min"}' },
        send: async (env) => {
          const headers = { "cf-connecting-ip": freshIp() };
          await login(env, await idTokenBody(), headers);
          return login(env, await idTokenBody(), headers);
        },
      },
    ],
    good: [
      { name: "id_token of a new person", status: 200, env: SOCIAL, send: async (env) => login(env, await idTokenBody()) },
      { name: "cookie mode, legacy field names", status: 200, env: { ...SOCIAL, ...COOKIE_MODE, JWT_RESPONSE_FIELD_STYLE: "legacy" }, send: async (env) => login(env, await idTokenBody()) },
    ],
  },
  socialConnect: {
    bad: [
      ...unauthenticated("POST", "/auth/keycloak/connect/", { id_token: "a.b.c" }),
      { name: "no credential", status: 400, env: SOCIAL, send: asUser("POST", "/auth/keycloak/connect/", async () => ({})) },
      {
        name: "provider account of another user",
        status: 400,
        env: SOCIAL,
        send: async (env) => {
          const body = await idTokenBody();
          await login(env, body);
          return call("POST", "/auth/keycloak/connect/", { body, token: (await loggedIn("conf", env)).access, env });
        },
      },
    ],
    good: [{ name: "a new provider account", status: 200, env: SOCIAL, send: asUser("POST", "/auth/keycloak/connect/", idTokenBody) }],
  },
  listSocialAccounts: {
    bad: unauthenticated("GET", "/auth/socialaccounts/"),
    good: [
      { name: "none", status: 200, send: asUser("GET", "/auth/socialaccounts/") },
      { name: "one", status: 200, env: SOCIAL, send: async (env) => call("GET", "/auth/socialaccounts/", { token: (await socialUser(env)).access, env }) },
    ],
  },
  disconnectSocialAccount: {
    bad: [
      ...unauthenticated("POST", "/auth/socialaccounts/1/disconnect/"),
      { name: "not the caller's", status: 404, env: SOCIAL, send: async (env) => call("POST", `/auth/socialaccounts/${(await socialUser(env)).accountId}/disconnect/`, { token: (await loggedIn("conf", env)).access, env }) },
      { name: "overflowing id", status: 404, send: asUser("POST", "/auth/socialaccounts/99999999999999999999999/disconnect/") },
      {
        name: "the last one of a user without a password",
        status: 400,
        env: SOCIAL,
        send: async (env) => {
          const me = await socialUser(env);
          return call("POST", `/auth/socialaccounts/${me.accountId}/disconnect/`, { token: me.access, env });
        },
      },
    ],
    good: [
      {
        name: "one of a user with a password",
        status: 200,
        env: SOCIAL,
        send: async (env) => {
          const me = await loggedIn("conf", env);
          const connected = await call("POST", "/auth/keycloak/connect/", { body: await idTokenBody(), token: me.access, env });
          const [account] = (await call("GET", "/auth/socialaccounts/", { token: connected.body.access, env })).body;
          return call("POST", `/auth/socialaccounts/${account.id}/disconnect/`, { token: connected.body.access, env });
        },
      },
    ],
  },
};
