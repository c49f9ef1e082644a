// Conformance cases of the password endpoints: change, reset request, reset confirm, the link flow and its pages.
import { call, loggedIn, registerVerified } from "../helpers";
import { BAD_TOKEN, type CaseTable, freshIp, LEGACY_PREFIX, NEW_PASSWORDS, resetCapability, resetMail } from "./case";

const setNew = (env: Record<string, string>, headers: Record<string, string>) =>
  call("POST", "/auth/password/reset/set-new/", { body: NEW_PASSWORDS, headers, env });

export const passwordCases: CaseTable = {
  passwordChange: {
    bad: [
      { name: "no token", status: 401, send: (env) => call("POST", "/auth/password/change/", { body: {}, env }) },
      { name: "bad token", status: 401, send: (env) => call("POST", "/auth/password/change/", { body: {}, token: BAD_TOKEN, env }) },
      { name: "empty body", status: 400, send: async (env) => call("POST", "/auth/password/change/", { body: {}, token: (await loggedIn("conf", env)).access, env }) },
      {
        name: "wrong old password (alias path)",
        status: 400,
        send: async (env) =>
          call("POST", "/auth/password/reset/change/", { body: { old_password: "not it at all", ...NEW_PASSWORDS }, token: (await loggedIn("conf", env)).access, env }),
      },
    ],
    good: [
      {
        name: "old and new passwords",
        status: 200,
        send: async (env) => {
          const me = await loggedIn("conf", env);
          return call("POST", "/auth/password/change/", { body: { old_password: me.password, ...NEW_PASSWORDS }, token: me.access, env });
        },
      },
      {
        name: "seed-004 names on the legacy mount",
        status: 200,
        legacy: true,
        send: async (env) => {
          const me = await loggedIn("conf", env);
          const body = { old_password: me.password, new_password: NEW_PASSWORDS.new_password1, confirm_password: NEW_PASSWORDS.new_password2 };
          return call("POST", `${LEGACY_PREFIX}change/password/`, { body, token: me.access, env });
        },
      },
    ],
  },

  passwordReset: {
    bad: [
      { name: "no e-mail", status: 400, send: (env) => call("POST", "/auth/password/reset/", { body: {}, env }) },
      { name: "right-to-left override in the address", status: 400, send: (env) => call("POST", "/auth/password/reset/", { body: { email: "a@\u202emoc.elpmaxe" }, env }) },
      {
        name: "second request for one address in a 1/hour window",
        status: 429,
        env: { THROTTLE_ENABLED: "true", THROTTLE_RATES: '{"password_reset_email":"1/hour"}' },
        send: async (env) => {
          await call("POST", "/auth/password/reset/", { body: { email: "someone@example.com" }, headers: { "cf-connecting-ip": freshIp() }, env });
          return call("POST", "/auth/password/reset/", { body: { email: "someone@example.com" }, headers: { "cf-connecting-ip": freshIp() }, env });
        },
      },
    ],
    good: [
      { name: "any address", status: 200, send: (env) => call("POST", "/auth/password/reset/", { body: { email: "nobody@example.com" }, env }) },
      { name: "seed-004 path on the legacy mount", status: 200, legacy: true, send: (env) => call("POST", `${LEGACY_PREFIX}forget/password/`, { body: { email: "nobody@example.com" }, env }) },
    ],
  },

  passwordResetConfirm: {
    bad: [
      { name: "empty body", status: 400, send: (env) => call("POST", "/auth/password/reset/confirm/", { body: {}, env }) },
      { name: "unknown uid and token", status: 400, send: (env) => call("POST", "/auth/password/reset/confirm/", { body: { uid: "MQ", token: "abc-123", ...NEW_PASSWORDS }, env }) },
    ],
    good: [
      {
        name: "mailed uid and token",
        status: 200,
        send: async (env) => {
          const { uid, token } = await resetMail((await registerVerified("conf", env)).email);
          return call("POST", "/auth/password/reset/confirm/", { body: { uid, token, ...NEW_PASSWORDS }, env });
        },
      },
    ],
  },

  passwordResetConfirmFromPath: {
    bad: [
      { name: "unknown uid and token", status: 400, send: (env) => call("POST", "/auth/password/reset/confirm/MQ/abc-123/", { body: NEW_PASSWORDS, env }) },
      { name: "no passwords", status: 400, send: (env) => call("POST", "/auth/password/reset/confirm/MQ/abc-123/", { body: {}, env }) },
    ],
    good: [
      {
        name: "seed-004 path on the legacy mount",
        status: 200,
        legacy: true,
        send: async (env) => {
          const { uid, token } = await resetMail((await registerVerified("conf", env)).email);
          return call("POST", `${LEGACY_PREFIX}set/new/forget/password/${uid}/${token}/`, { body: { new_password: NEW_PASSWORDS.new_password1, confirm_password: NEW_PASSWORDS.new_password2 }, env });
        },
      },
    ],
  },

  resetLink: {
    bad: [
      { name: "unknown uid and token: page", status: 400, send: (env) => call("GET", "/auth/password/reset/confirm/MQ/abc-123/", { env }) },
      {
        name: "unknown uid and token: frontend redirect",
        status: 302,
        env: { PASSWORD_RESET_REDIRECT: "https://app.example.test/reset" },
        send: (env) => call("GET", "/auth/password/reset/confirm/MQ/abc-123/", { env }),
      },
    ],
    good: [{ name: "mailed link", status: 302, send: async (env) => call("GET", (await resetMail((await registerVerified("conf", env)).email)).path, { env }) }],
  },

  setNewPassword: {
    bad: [
      { name: "no capability cookie", status: 401, send: (env) => setNew(env, {}) },
      { name: "malformed capability cookie", status: 401, send: (env) => setNew(env, { cookie: "password_reset_access_token=nope" }) },
      {
        name: "capability without the CSRF header",
        status: 403,
        send: async (env) => setNew(env, { cookie: (await resetCapability((await registerVerified("conf", env)).email)).cookie }),
      },
      {
        name: "capability used twice",
        status: 401,
        send: async (env) => {
          const { cookie, csrf } = await resetCapability((await registerVerified("conf", env)).email);
          await setNew(env, { cookie, "x-csrftoken": csrf });
          return setNew(env, { cookie, "x-csrftoken": csrf });
        },
      },
    ],
    good: [
      {
        name: "capability and CSRF header",
        status: 200,
        send: async (env) => {
          const { cookie, csrf } = await resetCapability((await registerVerified("conf", env)).email);
          return setNew(env, { cookie, "x-csrftoken": csrf });
        },
      },
      {
        name: "capability without the CSRF header, PASSWORD_RESET_COOKIE_CSRF=false",
        status: 200,
        env: { PASSWORD_RESET_COOKIE_CSRF: "false" },
        send: async (env) => setNew(env, { cookie: (await resetCapability((await registerVerified("conf", env)).email)).cookie }),
      },
    ],
  },

  resetForm: {
    bad: [{ name: "no capability cookie", status: 400, send: (env) => call("GET", "/auth/password/reset/default/", { env }) }],
    good: [
      {
        name: "capability cookie",
        status: 200,
        send: async (env) => call("GET", "/auth/password/reset/default/", { headers: { cookie: (await resetCapability((await registerVerified("conf", env)).email)).cookie }, env }),
      },
    ],
  },

  resetComplete: {
    bad: [{ name: "a bad bearer token is ignored (public page)", status: 200, send: (env) => call("GET", "/auth/password/reset/complete/", { token: BAD_TOKEN, env }) }],
    good: [{ name: "plain GET", status: 200, send: (env) => call("GET", "/auth/password/reset/complete/", { env }) }],
  },
};
