// Conformance cases of registration and e-mail verification.
import { call, newIdentity } from "../helpers";
import { BAD_TOKEN, type CaseTable, freshIp, LEGACY_PREFIX, registered } from "./case";

const signUp = (env: Record<string, string>, extra: Record<string, unknown> = {}) => {
  const identity = newIdentity("conf");
  return call("POST", "/auth/registration/", {
    body: { username: identity.username, email: identity.email, password1: identity.password, password2: identity.password, ...extra },
    headers: { "cf-connecting-ip": freshIp() },
    env,
  });
};

export const registrationCases: CaseTable = {
  register: {
    bad: [
      { name: "empty body", status: 400, send: (env) => call("POST", "/auth/registration/", { body: {}, env }) },
      { name: "JSON list body", status: 400, send: (env) => call("POST", "/auth/registration/", { body: [], env }) },
      { name: "passwords differ", status: 400, send: (env) => signUp(env, { password2: "something else entirely" }) },
      { name: "verification_base_url not allowed", status: 400, send: (env) => signUp(env, { verification_base_url: "https://evil.example/confirm" }) },
      { name: "registration closed", status: 403, env: { REGISTRATION_OPEN: "false" }, send: (env) => signUp(env) },
    ],
    good: [
      { name: "mandatory verification: mail sent", status: 201, send: (env) => signUp(env) },
      { name: "no verification: a TokenResponse", status: 201, env: { ACCOUNT_EMAIL_VERIFICATION: "none" }, send: (env) => signUp(env) },
      {
        name: "seed-004 names on the legacy mount",
        status: 201,
        legacy: true,
        send: (env) => {
          const identity = newIdentity("conf");
          return call("POST", `${LEGACY_PREFIX}registration/`, {
            body: { username: identity.username, email: identity.email, password: identity.password, confirm_password: identity.password },
            env,
          });
        },
      },
    ],
  },

  verifyEmail: {
    bad: [
      { name: "no key", status: 400, send: (env) => call("POST", "/auth/registration/verify-email/", { body: {}, env }) },
      { name: "unknown key", status: 404, send: (env) => call("POST", "/auth/registration/verify-email/", { body: { key: "MQ:nope" }, env }) },
    ],
    good: [{ name: "mailed key", status: 200, send: async (env) => call("POST", "/auth/registration/verify-email/", { body: { key: (await registered(env)).key }, env }) }],
  },

  verifyEmailFromPath: {
    bad: [{ name: "unknown uid and token", status: 404, send: (env) => call("POST", "/auth/registration/verify-email/MQ/nope/", { env }) }],
    good: [
      {
        name: "the key's two parts",
        status: 200,
        send: async (env) => {
          const [uid, token] = (await registered(env)).key.split(":");
          return call("POST", `/auth/registration/verify-email/${uid}/${token}/`, { env });
        },
      },
      {
        name: "seed-004 path on the legacy mount",
        status: 200,
        legacy: true,
        send: async (env) => {
          const [uid, token] = (await registered(env)).key.split(":");
          return call("POST", `${LEGACY_PREFIX}verify/token/${uid}/${token}/`, { env });
        },
      },
    ],
  },

  resendEmail: {
    bad: [
      { name: "no e-mail", status: 400, send: (env) => call("POST", "/auth/registration/resend-email/", { body: {}, env }) },
      { name: "invalid e-mail", status: 400, send: (env) => call("POST", "/auth/registration/resend-email/", { body: { email: "not an address" }, env }) },
      { name: "zero-width space in the address", status: 400, send: (env) => call("POST", "/auth/registration/resend-email/", { body: { email: "a@exa\u200bmple.com" }, env }) },
    ],
    good: [
      { name: "unverified address", status: 200, send: async (env) => call("POST", "/auth/registration/resend-email/", { body: { email: (await registered(env)).email }, env }) },
      {
        name: "seed-004 path (double t) on the legacy mount",
        status: 200,
        legacy: true,
        send: (env) => call("POST", `${LEGACY_PREFIX}get/accttivation/token/`, { body: { email: newIdentity("conf").email }, env }),
      },
    ],
  },

  verificationLink: {
    bad: [
      { name: "unknown key: page", status: 400, send: (env) => call("GET", "/auth/registration/verification/MQ:nope/", { env }) },
      {
        name: "unknown key: failure redirect",
        status: 302,
        env: { EMAIL_VERIFICATION_FAILED_REDIRECT: "https://app.example.test/failed" },
        send: (env) => call("GET", "/auth/registration/account-confirm-email/MQ:nope/", { env }),
      },
    ],
    good: [{ name: "mailed key", status: 302, send: async (env) => call("GET", `/auth/registration/verification/${(await registered(env)).key}/`, { env }) }],
  },

  verifiedPage: {
    bad: [{ name: "a bad bearer token is ignored (public page)", status: 200, send: (env) => call("GET", "/auth/registration/verified/", { token: BAD_TOKEN, env }) }],
    good: [{ name: "plain GET", status: 200, send: (env) => call("GET", "/auth/registration/verified/", { env }) }],
  },

  verificationSentPage: {
    bad: [{ name: "a bad bearer token is ignored (public page)", status: 200, send: (env) => call("GET", "/auth/registration/account_email_verification_sent/", { token: BAD_TOKEN, env }) }],
    good: [{ name: "alias path", status: 200, send: (env) => call("GET", "/auth/registration/account-email-verification-sent/", { env }) }],
  },
};
