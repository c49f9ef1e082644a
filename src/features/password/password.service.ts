// Password change, reset request and reset confirmation (Django's SetPasswordForm semantics).
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { makePassword, verifyPassword } from "../../crypto/passwords";
import { mfaTickets, socialAccounts, type User, users } from "../../db/schema";
import { findUserByEmail, passwordErrors } from "../../core/users";
import type { Deps } from "../../core/deps";
import { InvalidInput, invalid } from "../../core/errors";
import { recordEvent } from "../../core/events";
import { liftLockout } from "../../core/throttle";
import { checkResetToken, decodeUid, encodeUid, makeResetToken, resetUrl } from "../../core/links";
import { sendMail } from "../../core/mail";
import { type PasswordNotice, passwordChangedMail, passwordResetMail } from "../../core/mail-templates";
import { revokeUserFamiliesStatement } from "../../core/tokens";

const MISMATCH = "The two password fields didn’t match."; // U+2019, as Django's SetPasswordForm

export interface NewPasswordInput {
  new_password1: string;
  new_password2: string;
}

/** SetPasswordForm.clean_new_password2: mismatch first, then strength against the user. */
async function checkNewPassword(deps: Deps, user: User, input: NewPasswordInput): Promise<void> {
  if (input.new_password1 !== input.new_password2) throw invalid("new_password2", MISMATCH);
  const problems = await passwordErrors(deps, input.new_password2, user);
  if (problems.length) throw new InvalidInput({ new_password2: problems });
}

/**
 * Stores a new hash and revokes sessions in one batch: a reset ends every session and marks the
 * address verified (the link proved control of the mailbox); a change keeps `keepFamily`, if any.
 * The update is conditional on the old hash, so of two racing resets with one token only one succeeds.
 */
async function storeNewPassword(
  deps: Deps,
  user: User,
  newPassword: string,
  how: "reset" | { keepFamily: string | null },
  credential?: SpentCredential,
): Promise<boolean> {
  const reset = how === "reset";
  const keepFamily = reset ? null : how.keepFamily;
  const hash = await makePassword(newPassword, deps.config);
  const updatePassword = deps.db
    .update(users)
    .set({ password: hash, updatedAt: deps.now(), ...(reset ? { emailVerified: true } : {}) })
    .where(and(eq(users.id, user.id), eq(users.password, user.password), credential?.stillValid))
    .returning({ id: users.id });
  // A reset that proves an unverified address also drops the account's social links: they were made
  // while nobody had proved the mailbox, possibly by someone who signed up, through a provider that
  // does not vouch for addresses, with the victim's (pre-account takeover). The owner can connect again.
  // Conditional on the password write before it in the same transaction, so a lost race drops nothing.
  const dropLinks = reset && !user.emailVerified;
  const dropSocialLinks = deps.db
    .delete(socialAccounts)
    .where(and(eq(socialAccounts.userId, user.id), sql`(select ${users.password} from ${users} where ${users.id} = ${user.id}) = ${hash}`))
    .returning({ provider: socialAccounts.provider });
  const results = await deps.db.batch([
    updatePassword,
    revokeUserFamiliesStatement(deps, user.id, "password", keepFamily ?? undefined),
    // An MFA login half done with the old password must not finish after it changed.
    deps.db.delete(mfaTickets).where(eq(mfaTickets.userId, user.id)),
    // Spent in the same transaction as the password it sets: a failed write spends nothing.
    ...(credential ? [credential.spend] : []),
    ...(dropLinks ? [dropSocialLinks] : []),
  ] as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  const updated = results[0] as Array<{ id: number }>;
  const dropped = dropLinks ? (results.at(-1) as Array<{ provider: string }>) : [];
  if (updated.length === 0) return false;
  for (const account of dropped) recordEvent(deps, user.id, "social_disconnect", { provider: account.provider, reason: "password_reset_verified_email" });
  if (deps.config.notifyPasswordChange) {
    // The notice says what happened: a reset ends every session, a change the others (or all of them).
    const notice: PasswordNotice = reset ? { kind: "reset" } : { kind: "change", sessionsEnded: keepFamily === null ? "all" : "others" };
    sendMail(deps, passwordChangedMail(deps.config, user.email, user.username, notice));
  }
  return true;
}

/** A stored single-use credential a reset consumes (the reset capability): its check and its DELETE, un-run. */
export interface SpentCredential {
  stillValid: SQL;
  spend: BatchItem<"sqlite">;
}

export interface ChangePasswordInput extends NewPasswordInput {
  old_password?: string;
}

/** password/change/: other sessions end; the caller's too with LOGOUT_ON_PASSWORD_CHANGE. */
export async function changePassword(deps: Deps, user: User, currentFamily: string, input: ChangePasswordInput): Promise<void> {
  if (deps.config.oldPasswordFieldEnabled) {
    if (input.old_password === undefined) throw invalid("old_password", "This field is required.");
    if (!(await verifyPassword(input.old_password, user.password, deps.config.passwordPeppers))) {
      throw invalid("old_password", "Your old password was entered incorrectly. Please enter it again.");
    }
  }
  await checkNewPassword(deps, user, input);
  const keep = deps.config.logoutOnPasswordChange ? null : currentFamily;
  if (!(await storeNewPassword(deps, user, input.new_password1, { keepFamily: keep }))) {
    throw invalid("old_password", "Your old password was entered incorrectly. Please enter it again.");
  }
  recordEvent(deps, user.id, "password_change");
}

/**
 * password/reset/: mails a link to an active account with that address; says nothing either way, and
 * takes as long either way: an unknown address gets the same token and mail made (for nobody), and
 * the mail and the event of a known one go out after the answer.
 */
export async function requestPasswordReset(deps: Deps, email: string): Promise<void> {
  const found = await findUserByEmail(deps, email);
  const user = found?.isActive ? found : undefined;
  const subject = user ?? { id: 0, username: email, password: "", lastLogin: null, email };
  const uid = encodeUid(subject.id);
  const token = await makeResetToken(deps, subject);
  const mail = passwordResetMail(deps.config, subject.email, subject.username, resetUrl(deps.config, uid, token), uid, token);
  if (!user) return;
  sendMail(deps, mail);
  recordEvent(deps, user.id, "password_reset_requested");
}

export interface ResetConfirmInput extends NewPasswordInput {
  uid: string;
  token: string;
}

/**
 * Sets the new password of a reset (by token or capability): every session ends, the address
 * counts as verified (the link proved control of the mailbox). A `credential` is checked and spent
 * in the write's own batch; false when it (or the password it was issued for) is no longer there.
 */
export async function completePasswordReset(deps: Deps, user: User, input: NewPasswordInput, credential?: SpentCredential): Promise<boolean> {
  await checkNewPassword(deps, user, input);
  if (!(await storeNewPassword(deps, user, input.new_password1, "reset", credential))) return false;
  // The mailbox proved the account: a lockout (perhaps an attacker's doing) ends with the reset.
  await liftLockout(deps, user.id);
  if (!user.emailVerified) recordEvent(deps, user.id, "email_verified", { via: "password_reset" });
  recordEvent(deps, user.id, "password_reset");
  return true;
}

/** Resolves uid + token to the active user they were issued for, or says which one is wrong. */
export async function resolveResetLink(deps: Deps, uid: string, token: string): Promise<{ user: User } | { error: "uid" | "token" }> {
  const userId = decodeUid(uid);
  const user = userId === null ? undefined : await deps.db.query.users.findFirst({ where: eq(users.id, userId) });
  if (!user || !user.isActive) return { error: "uid" };
  if (!(await checkResetToken(deps, user, token))) return { error: "token" };
  return { user };
}

/** password/reset/confirm/: uid, then token, then the new password. */
export async function confirmPasswordReset(deps: Deps, input: ResetConfirmInput): Promise<void> {
  const link = await resolveResetLink(deps, input.uid, input.token);
  if ("error" in link) throw invalid(link.error, "Invalid value");
  // The reset token is bound to the password hash, so the conditional write makes it single-use.
  if (!(await completePasswordReset(deps, link.user, input))) throw invalid("token", "Invalid value");
}
