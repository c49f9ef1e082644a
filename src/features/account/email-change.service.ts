// Changing the account's address: nothing changes until the new address confirms (see verification.ts).
import { verifyPassword } from "../../crypto/passwords";
import { isUsablePassword } from "../../crypto/pbkdf2";
import { emailChanges, type User } from "../../db/schema";
import { findUserByEmail, identifierKey, sendConfirmation } from "../../core/users";
import type { Deps } from "../../core/deps";
import { InvalidInput, type FieldErrors } from "../../core/errors";
import { recordEvent } from "../../core/events";
import { sendMail } from "../../core/mail";
import { emailChangeNoticeMail } from "../../core/mail-templates";

/**
 * Checks the password and the address, then (and only then) spends the mail budget through
 * `beforeMail` and records the pending change: a wrong password or a taken address sends no mail and
 * so spends none of it.
 */
export async function requestEmailChange(
  deps: Deps,
  user: User,
  email: string,
  password: string,
  baseUrl: string | null,
  beforeMail: () => Promise<void>,
): Promise<void> {
  const errors: FieldErrors = {};
  if (identifierKey(email) === identifierKey(user.email)) {
    errors.email = ["The new value must be different from the current one."];
  } else if (await findUserByEmail(deps, email)) {
    errors.email = ["A user is already registered with this email address."];
  }
  if (!isUsablePassword(user.password)) errors.password = ["Your account has no password set up."];
  else if (!(await verifyPassword(password, user.password))) errors.password = ["Incorrect password."];
  if (Object.keys(errors).length) throw new InvalidInput(errors);
  await beforeMail();

  const requestedAt = deps.now();
  // One pending change per user: a newer request replaces (and so supersedes) the older one.
  await deps.db
    .insert(emailChanges)
    .values({ userId: user.id, email, requestedAt })
    .onConflictDoUpdate({ target: emailChanges.userId, set: { email, requestedAt } });
  await sendConfirmation(deps, user, email, baseUrl);
  sendMail(deps, emailChangeNoticeMail(deps.config, user.email, user.username, email));
  recordEvent(deps, user.id, "email_change_requested", { email });
}
