// Social accounts of a user (allauth's SocialAccount): lookup by provider account, list, disconnect.
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { isUsablePassword } from "../../crypto/pbkdf2";
import { type SocialAccount, socialAccounts, type User, users } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { invalid } from "../../core/errors";
import { recordEvent } from "../../core/events";
import type { SocialProviderConfig } from "./providers";

export const NO_PASSWORD = "Your account has no password set up.";
export const NO_VERIFIED_EMAIL = "Your account has no verified email address.";

/**
 * The provider names a provider's accounts may be stored under: its key, and for X the ids django-allauth
 * gave its Twitter providers (accounts imported from Django keep them).
 */
export function storedProviderNames(provider: SocialProviderConfig): string[] {
  return provider.id === "x" ? ["x", "twitter", "twitter_oauth2"] : [provider.id];
}

/** The account of (provider, uid) and its user, in one query. */
export async function findLinkedAccount(deps: Deps, provider: SocialProviderConfig, uid: string): Promise<{ account: SocialAccount; user: User } | undefined> {
  const [row] = await deps.db
    .select({ account: socialAccounts, user: users })
    .from(socialAccounts)
    .innerJoin(users, eq(users.id, socialAccounts.userId))
    .where(and(inArray(socialAccounts.provider, storedProviderNames(provider)), eq(socialAccounts.uid, uid)))
    .limit(1);
  return row;
}

export function listSocialAccountsQuery(deps: Deps, userId: number) {
  return deps.db.select().from(socialAccounts).where(eq(socialAccounts.userId, userId)).orderBy(asc(socialAccounts.id));
}

export function listSocialAccounts(deps: Deps, userId: number): Promise<SocialAccount[]> {
  return listSocialAccountsQuery(deps, userId);
}

/** Whether the account can still be entered without any social account (allauth's validate_disconnect). */
function strandingProblem(deps: Deps, user: User): string | null {
  if (!isUsablePassword(user.password)) return NO_PASSWORD;
  // allauth asks for a verified address only under mandatory verification: otherwise the password is enough.
  if (deps.config.emailVerification === "mandatory" && !(user.emailVerified && user.email !== "")) return NO_VERIFIED_EMAIL;
  return null;
}

export type DisconnectResult = { ok: true } | { ok: false; reason: "not_found" };

/**
 * Removes the caller's social account `id`. The DELETE is conditional on another social account of
 * the user remaining, unless the account can be entered without one: two concurrent disconnects of a
 * user's last two accounts cannot both succeed and strand it.
 */
export async function disconnectSocialAccount(deps: Deps, user: User, id: number): Promise<DisconnectResult> {
  const problem = strandingProblem(deps, user);
  const others = sql`exists (select 1 from ${socialAccounts} as other where other.user_id = ${user.id} and other.id <> ${id})`;
  const [deleted] = await deps.db
    .delete(socialAccounts)
    .where(and(eq(socialAccounts.id, id), eq(socialAccounts.userId, user.id), problem ? others : undefined))
    .returning({ provider: socialAccounts.provider });
  if (deleted) {
    recordEvent(deps, user.id, "social_disconnect", { provider: deleted.provider, account: id });
    return { ok: true };
  }
  const exists = await deps.db.query.socialAccounts.findFirst({
    where: and(eq(socialAccounts.id, id), eq(socialAccounts.userId, user.id)),
    columns: { id: true },
  });
  if (!exists) return { ok: false, reason: "not_found" };
  throw invalid("non_field_errors", problem ?? NO_PASSWORD);
}
