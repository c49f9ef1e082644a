// TOTP management (contract §2.7.1-2.7.5): status, setup, activate, deactivate, new recovery codes.
// One mfa_totp row per user holds the (encrypted) secret and the hashed codes, so every change is one
// conditional statement; users.mfa_enabled follows it in the same batch.
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { encodeBase32 } from "../../crypto/base32";
import { randomBytes } from "../../crypto/bytes";
import { verifyPassword } from "../../crypto/passwords";
import { isUsablePassword } from "../../crypto/pbkdf2";
import { verifyTOTP } from "../../crypto/totp";
import { type MfaTotp, mfaTickets, mfaTotp, type User, users } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { invalid } from "../../core/errors";
import { recordEvent } from "../../core/events";
import { decryptSecret, encryptSecret, hashRecoveryCode, keyOfRow, mfaKeyring, newRecoveryCodes } from "./mfa.secrets";
import { mfaQr } from "../../lazy/load";
import { otpauthUrl } from "./otpauth";

/** Refusals that are about the account's state, not a field: `400 {"detail"}`. */
export class MfaStateError extends Error {
  override name = "MfaStateError";
}

const ALREADY_ENABLED = "TOTP is already enabled.";
const NOT_ENABLED = "TOTP is not enabled.";
const RUN_SETUP_FIRST = "Run setup first.";
export const INCORRECT_CODE = "Incorrect code.";

function findTotp(deps: Deps, userId: number): Promise<MfaTotp | undefined> {
  return deps.db.query.mfaTotp.findFirst({ where: eq(mfaTotp.userId, userId) });
}

/** users.mfa_enabled recomputed from mfa_totp inside the same batch, so the two cannot disagree. */
function syncMfaFlag(deps: Deps, userId: number) {
  return deps.db
    .update(users)
    .set({ mfaEnabled: sql`exists (select 1 from ${mfaTotp} where ${mfaTotp.userId} = ${userId} and ${mfaTotp.confirmedAt} is not null)` })
    .where(eq(users.id, userId));
}

export async function mfaStatus(deps: Deps, userId: number) {
  const row = await findTotp(deps, userId);
  const enabled = row?.confirmedAt != null;
  return { enabled, createdAt: enabled ? row!.confirmedAt : null, remainingCodes: enabled ? row!.recoveryCodes.length : 0 };
}

/** A new pending secret (replacing an earlier pending one) and how to show it. */
export async function setupTotp(deps: Deps, user: User) {
  if (user.mfaEnabled) throw new MfaStateError(ALREADY_ENABLED);
  // Loaded before the write, so a failed load leaves no pending secret behind.
  const { qrSvg } = await mfaQr();
  const secret = randomBytes(20);
  const key = (await mfaKeyring(deps.config)).current;
  const pending = { secret: await encryptSecret(key, user.id, secret), keyId: key.id, createdAt: deps.now(), confirmedAt: null, lastUsedStep: null, recoveryCodes: [] };
  const rows = await deps.db
    .insert(mfaTotp)
    .values({ userId: user.id, ...pending })
    // Never over an active authenticator (activated since the user row was read).
    .onConflictDoUpdate({ target: mfaTotp.userId, set: pending, setWhere: isNull(mfaTotp.confirmedAt) })
    .returning({ userId: mfaTotp.userId });
  if (rows.length === 0) throw new MfaStateError(ALREADY_ENABLED);
  const encoded = encodeBase32(secret);
  const url = otpauthUrl(deps.config.mfaIssuer, user.username, encoded);
  return { secret: encoded, otpauthUrl: url, qrSvg: qrSvg(url) };
}

/** Ten codes for `userId` under the row's key: the plain ones to show once, the hashes to store. */
async function makeRecoveryCodes(key: Awaited<ReturnType<typeof keyOfRow>>, userId: number) {
  const codes = newRecoveryCodes();
  return { codes, hashes: await Promise.all(codes.map((code) => hashRecoveryCode(key, userId, code))) };
}

/** The first code turns the pending secret on; returns the recovery codes (shown once). */
export async function activateTotp(deps: Deps, user: User, code: string): Promise<string[]> {
  if (user.mfaEnabled) throw new MfaStateError(ALREADY_ENABLED);
  const row = await findTotp(deps, user.id);
  if (!row || row.confirmedAt !== null) throw new MfaStateError(row ? ALREADY_ENABLED : RUN_SETUP_FIRST);
  const key = await keyOfRow(deps.config, row.keyId);
  const step = await verifyTOTP(await decryptSecret(key, user.id, row.secret), code.replace(/\s/g, ""), deps.now());
  if (step === null) throw invalid("code", INCORRECT_CODE);
  const { codes, hashes } = await makeRecoveryCodes(key, user.id);
  const [activated] = await deps.db.batch([
    deps.db
      .update(mfaTotp)
      // The activation code counts as used: it cannot complete a login in the same step.
      .set({ confirmedAt: deps.now(), lastUsedStep: step, recoveryCodes: hashes })
      // Still the secret the code was checked against (no setup in between), and not yet active.
      .where(and(eq(mfaTotp.userId, user.id), eq(mfaTotp.secret, row.secret), isNull(mfaTotp.confirmedAt)))
      .returning({ userId: mfaTotp.userId }),
    syncMfaFlag(deps, user.id),
  ]);
  if (activated.length === 0) throw new MfaStateError(RUN_SETUP_FIRST);
  recordEvent(deps, user.id, "mfa_enabled", { method: "totp" });
  return codes;
}

/** deactivate and regenerate: the account's password, with email/change's messages. */
export async function checkPassword(deps: Deps, user: User, password: string): Promise<void> {
  if (!isUsablePassword(user.password)) throw invalid("password", "Your account has no password set up.");
  if (!(await verifyPassword(password, user.password, deps.config.passwordPeppers))) throw invalid("password", "Incorrect password.");
}

/** Removes the authenticator (a pending one too), its recovery codes and the user's open login tickets. */
export async function deactivateTotp(deps: Deps, user: User, password: string): Promise<void> {
  await checkPassword(deps, user, password);
  const [removed] = await deps.db.batch([
    deps.db.delete(mfaTotp).where(eq(mfaTotp.userId, user.id)).returning({ confirmedAt: mfaTotp.confirmedAt }),
    syncMfaFlag(deps, user.id),
    deps.db.delete(mfaTickets).where(eq(mfaTickets.userId, user.id)),
  ]);
  if (removed[0]?.confirmedAt == null) throw new MfaStateError(NOT_ENABLED);
  recordEvent(deps, user.id, "mfa_disabled", { method: "totp" });
}

/**
 * Ten new codes replace every unused one. The row moves to the newest MFA_ENCRYPTION_KEYS key on the
 * way (secret re-encrypted, codes hashed under it): regenerating is how a retired key is drained.
 */
export async function regenerateRecoveryCodes(deps: Deps, user: User, password: string): Promise<string[]> {
  await checkPassword(deps, user, password);
  const row = await findTotp(deps, user.id);
  if (!row || row.confirmedAt === null) throw new MfaStateError(NOT_ENABLED);
  const current = (await mfaKeyring(deps.config)).current;
  const secret = row.keyId === current.id ? row.secret : await encryptSecret(current, user.id, await decryptSecret(await keyOfRow(deps.config, row.keyId), user.id, row.secret));
  const { codes, hashes } = await makeRecoveryCodes(current, user.id);
  const updated = await deps.db
    .update(mfaTotp)
    .set({ secret, keyId: current.id, recoveryCodes: hashes })
    .where(and(eq(mfaTotp.userId, user.id), eq(mfaTotp.secret, row.secret), isNotNull(mfaTotp.confirmedAt)))
    .returning({ userId: mfaTotp.userId });
  if (updated.length === 0) throw new MfaStateError(NOT_ENABLED);
  recordEvent(deps, user.id, "recovery_codes_regenerated", { count: codes.length });
  return codes;
}
