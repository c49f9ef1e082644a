// E-mail verification: confirming keys (primary address or a pending change) and resending them.
import { and, eq } from "drizzle-orm";
import { emailChanges, users } from "../../db/schema";
import { findUserByEmail, identifierKey, sendConfirmation } from "../../core/users";
import type { Deps } from "../../core/deps";
import { isUniqueViolation } from "../../core/errors";
import { recordEvent } from "../../core/events";
import { confirmationKeyMatches, parseConfirmationKey } from "../../core/links";

/**
 * Confirms a key. True for a valid key (also when the address was already verified: idempotent),
 * false for an unknown, malformed, expired or superseded one.
 */
export async function confirmEmail(deps: Deps, key: string): Promise<boolean> {
  const parsed = parseConfirmationKey(deps, key);
  if (!parsed) return false;
  const user = await deps.db.query.users.findFirst({ where: eq(users.id, parsed.userId) });
  if (!user) return false;

  // A blank address (an account without one) is never confirmed; such an account can only add one.
  if (user.email !== "" && (await confirmationKeyMatches(deps, parsed, user.email))) {
    if (user.emailVerified) return true;
    const updated = await deps.db
      .update(users)
      .set({ emailVerified: true })
      .where(and(eq(users.id, user.id), eq(users.emailKey, identifierKey(user.email))))
      .returning({ id: users.id });
    if (updated.length) recordEvent(deps, user.id, "email_verified", { email: user.email });
    return updated.length > 0;
  }

  const pending = await deps.db.query.emailChanges.findFirst({ where: eq(emailChanges.userId, user.id) });
  // A key made before the latest change request is superseded, even for the same address.
  if (!pending || parsed.timestamp < Math.floor(pending.requestedAt / 1000)) return false;
  if (!(await confirmationKeyMatches(deps, parsed, pending.email))) return false;
  try {
    await deps.db.batch([
      deps.db
        .update(users)
        .set({ email: pending.email, emailKey: identifierKey(pending.email), emailVerified: true, updatedAt: deps.now() })
        .where(eq(users.id, user.id)),
      deps.db.delete(emailChanges).where(eq(emailChanges.userId, user.id)),
    ]);
  } catch (error) {
    // Another account confirmed this address first; the unique index keeps it with one user.
    if (isUniqueViolation(error, "users.email_key")) return false;
    throw error;
  }
  recordEvent(deps, user.id, "email_verified", { email: pending.email, previous: user.email, changed: true });
  return true;
}

/** registration/resend-email/: a new key when the address belongs to an unverified account; silent otherwise. */
export async function resendConfirmation(deps: Deps, email: string, baseUrl?: string | null): Promise<void> {
  const user = await findUserByEmail(deps, email);
  if (!user || user.emailVerified || !user.isActive) return;
  await sendConfirmation(deps, user, user.email, baseUrl);
}
