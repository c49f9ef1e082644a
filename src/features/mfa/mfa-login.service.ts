// The second step of a login with MFA (contract §2.7.6): a live ticket and a TOTP or recovery code
// become a session. A TOTP step is good once, a recovery code once ever, the ticket once.
import { and, eq, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { verifyTOTP } from "../../crypto/totp";
import { mfaTickets, mfaTotp, type User, users } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { invalid } from "../../core/errors";
import { recordEvent } from "../../core/events";
import { consumeTicket, hashTicket, liveTicket, takeTicketAttempt, unexpiredTicket } from "../../core/mfa-tickets";
import { startSession } from "../../core/sessions";
import type { TokenPair } from "../../core/tokens";
import { decryptSecret, hashRecoveryCode, keyOfRow, normalizeRecoveryCode } from "./mfa.secrets";
import { INCORRECT_CODE } from "./mfa.service";

export type AuthenticateResult = { ok: true; user: User; tokens: TokenPair } | { ok: false };

/** The ticket's user and authenticator in one query, if the ticket is live and the user can log in. */
async function findTicket(deps: Deps, tokenHash: string) {
  const [row] = await deps.db
    .select({ user: users, totp: mfaTotp })
    .from(mfaTickets)
    .innerJoin(users, eq(users.id, mfaTickets.userId))
    .innerJoin(mfaTotp, and(eq(mfaTotp.userId, mfaTickets.userId), isNotNull(mfaTotp.confirmedAt)))
    .where(liveTicket(tokenHash, deps.now()))
    .limit(1);
  return row && row.user.isActive ? row : null;
}

type Totp = NonNullable<Awaited<ReturnType<typeof findTicket>>>["totp"];

/**
 * Which code it is and the statement that spends it, or null for a wrong one. The statement is
 * conditional, so of two requests racing with one code only one spends it.
 */
async function checkCode(deps: Deps, userId: number, totp: Totp, code: string, tokenHash: string) {
  // Spent only while the ticket is still there: a request that lost the ticket race burns no code.
  const ticketLeft = sql`exists (select 1 from ${mfaTickets} where ${unexpiredTicket(tokenHash, deps.now())})`;
  const key = await keyOfRow(deps.config, totp.keyId);
  const digits = code.replace(/\s/g, "");
  if (/^\d{6}$/.test(digits)) {
    const step = await verifyTOTP(await decryptSecret(key, userId, totp.secret), digits, deps.now(), { afterStep: totp.lastUsedStep });
    if (step === null) return null;
    const spend = deps.db
      .update(mfaTotp)
      .set({ lastUsedStep: step })
      .where(and(eq(mfaTotp.userId, userId), or(isNull(mfaTotp.lastUsedStep), lt(mfaTotp.lastUsedStep, step)), ticketLeft))
      .returning({ userId: mfaTotp.userId });
    return { method: "totp", spend };
  }
  if (!normalizeRecoveryCode(code)) return null;
  const hash = await hashRecoveryCode(key, userId, code);
  if (!totp.recoveryCodes.includes(hash)) return null;
  // Removes exactly this code from the array, only while it is still there.
  const spend = deps.db
    .update(mfaTotp)
    .set({ recoveryCodes: sql`(select json_group_array(value) from json_each(${mfaTotp.recoveryCodes}) where value <> ${hash})` })
    .where(and(eq(mfaTotp.userId, userId), sql`exists (select 1 from json_each(${mfaTotp.recoveryCodes}) where value = ${hash})`, ticketLeft))
    .returning({ userId: mfaTotp.userId });
  return { method: "recovery_code", spend };
}

function wrongCode(deps: Deps, userId: number) {
  recordEvent(deps, userId, "login_failed", { reason: "mfa" });
  return invalid("code", INCORRECT_CODE);
}

/**
 * ok=false: no live ticket (bad, used, expired, exhausted): 401. A wrong code counts a failure on the
 * ticket and throws the 400; `beforeCode` runs once the account is known (its guessing budget).
 */
export async function authenticate(deps: Deps, token: string, code: string, beforeCode: (userId: number) => Promise<void>): Promise<AuthenticateResult> {
  const tokenHash = await hashTicket(token);
  const found = await findTicket(deps, tokenHash);
  if (!found) return { ok: false };
  const { user, totp } = found;
  await beforeCode(user.id);
  // The attempt is counted before the code is looked at, atomically: parallel guesses share the limit.
  if ((await takeTicketAttempt(deps, tokenHash)).length === 0) return { ok: false };
  const checked = await checkCode(deps, user.id, totp, code, tokenHash);
  if (!checked) throw wrongCode(deps, user.id);
  // One transaction spends the code (only while the ticket is there) and then the ticket. A request
  // that lost a race fails: the ticket already used, 401; the step or recovery code already spent, 400.
  const [spent, consumed] = await deps.db.batch([checked.spend, consumeTicket(deps, tokenHash)]);
  if (consumed.length === 0) return { ok: false };
  if (spent.length === 0) throw wrongCode(deps, user.id);
  return { ok: true, ...(await startSession(deps, user, { meta: { mfa: checked.method } })) };
}
