// What the MFA tests share: a user with TOTP on (codes computed here from the secret and the test
// clock, as an authenticator app would), the two login steps, and D1 rows.
import { env } from "cloudflare:test";
import { decodeBase32 } from "../../crypto/base32";
import { generateTOTP } from "../../crypto/totp";
import { call, clock, loggedIn } from "../../../test/helpers";

export const INCORRECT = { code: ["Incorrect code."] };
export const TICKET_INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };

/** The code an authenticator app shows for `secret` (base32) `stepOffset` steps from now. */
export const totpCode = (secret: string, stepOffset = 0) => generateTOTP(decodeBase32(secret), clock.now() + stepOffset * 30_000);

/** A logged-in user with TOTP activated: its base32 secret and recovery codes. */
export async function enrolled(prefix = "mfa", vars?: Record<string, string>) {
  const me = await loggedIn(prefix, vars);
  const setup = await call("POST", "/auth/mfa/totp/setup/", { token: me.access, env: vars });
  if (setup.status !== 200) throw new Error(`setup failed: ${setup.text}`);
  const secret = setup.body.secret as string;
  const activated = await call("POST", "/auth/mfa/totp/activate/", { token: me.access, body: { code: await totpCode(secret) }, env: vars });
  if (activated.status !== 200) throw new Error(`activation failed: ${activated.text}`);
  return { ...me, secret, recoveryCodes: activated.body.recovery_codes as string[] };
}

/** Step one: the password; for a user with TOTP, the challenge with its ticket. */
export const passwordStep = (me: { username: string; password: string }, vars?: Record<string, string>) =>
  call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, env: vars });

/** Step two. */
export const codeStep = (ticket: string, code: string, options: { env?: Record<string, string>; headers?: Record<string, string> } = {}) =>
  call("POST", "/auth/mfa/authenticate/", { body: { ephemeral_token: ticket, code }, ...options });

/** A fresh ticket for `me`. */
export async function ticketFor(me: { username: string; password: string }, vars?: Record<string, string>): Promise<string> {
  const challenge = await passwordStep(me, vars);
  if (challenge.body?.mfa_required !== true) throw new Error(`no MFA challenge: ${challenge.text}`);
  return challenge.body.ephemeral_token as string;
}

export const totpRow = (userId: number) => env.DB.prepare("select * from mfa_totp where user_id = ?").bind(userId).first<Record<string, any>>();

export async function countRows(table: "token_families" | "mfa_tickets", userId: number): Promise<number> {
  return (await env.DB.prepare(`select count(*) as n from ${table} where user_id = ?`).bind(userId).first<{ n: number }>())!.n;
}
