// What a conformance case is (src/http/openapi.conformance.test.ts runs them) and the fixtures the
// per-feature case tables share.
import { call, type CallResult, confirmationKeyFor, jwtPayload, linkIn, mailTo, newIdentity } from "../helpers";

/** One request and the status it must get; the runner checks that status and body against the declaration. */
export interface Case {
  /** What is sent, in words. */
  name: string;
  /** The status the request must answer (it must also be documented). */
  status: number;
  /** Settings in force for this request (merged into the test env). */
  env?: Record<string, string>;
  /** Sent to the LEGACY_ACCOUNTS_PREFIX mount (the runner sets it), checked with legacy token names. */
  legacy?: true;
  send(env: Record<string, string>): Promise<CallResult>;
}

/** Per operation: requests that must fail (or, for pages without input, must not be thrown by junk) and good ones. */
export interface OperationCases {
  bad: readonly Case[];
  good: readonly Case[];
}

export type CaseTable = Record<string, OperationCases>;

export const LEGACY_PREFIX = "/accounts/api/";

/** Well-formed, wrongly signed. */
export const BAD_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJl";

/** Cookie mode with the CSRF check of cookie-authenticated requests. */
export const COOKIE_CSRF = { JWT_AUTH_COOKIE: "app-access", JWT_AUTH_REFRESH_COOKIE: "app-refresh", JWT_AUTH_COOKIE_USE_CSRF: "true" };

let ipCounter = 0;
/** A fresh client IP, so per-IP throttle counters never leak between cases. */
export const freshIp = () => `198.51.100.${++ipCounter}`;

/** The session (token family) id of a token. */
export const familyOf = (token: string): string => jwtPayload(token).fam;

/** An account registered but not yet confirmed, with its confirmation key. */
export async function registered(env?: Record<string, string>) {
  const identity = newIdentity("conf");
  const response = await call("POST", "/auth/registration/", {
    body: { username: identity.username, email: identity.email, password1: identity.password, password2: identity.password },
    env,
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.text}`);
  return { ...identity, key: confirmationKeyFor(identity.email) };
}

/** Asks for a password reset of `email`; the mailed uid, token and link path. */
export async function resetMail(email: string) {
  const asked = await call("POST", "/auth/password/reset/", { body: { email }, headers: { "cf-connecting-ip": freshIp() } });
  if (asked.status !== 200) throw new Error(`reset request failed: ${asked.text}`);
  const mail = mailTo(email).filter((m) => m.subject === "[edge-rest-auth] Password reset").at(-1)!;
  return { uid: /^uid: (\S+)$/m.exec(mail.text)![1]!, token: /^token: (\S+)$/m.exec(mail.text)![1]!, path: new URL(linkIn(mail)).pathname };
}

/** Opens the mailed reset link: the capability and csrftoken cookies it sets, as a Cookie header and the CSRF value. */
export async function resetCapability(email: string) {
  const opened = await call("GET", (await resetMail(email)).path);
  if (opened.status !== 302) throw new Error(`reset link failed: ${opened.status}`);
  const values = Object.fromEntries(
    (opened.headers as Headers & { getSetCookie(): string[] }).getSetCookie().map((line) => line.split(";")[0]!.split("=") as [string, string]),
  );
  return { cookie: `password_reset_access_token=${values.password_reset_access_token}; csrftoken=${values.csrftoken}`, csrf: values.csrftoken! };
}

/** New-password pair that passes every validator. */
export const NEW_PASSWORDS = { new_password1: "a brand new passphrase", new_password2: "a brand new passphrase" };
