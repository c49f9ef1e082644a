// jwt-allauth's reset link flow: opening the mailed link trades uid+token for a one-time,
// short-lived capability (an HttpOnly cookie) that password/reset/set-new/ consumes.
// The reset token itself is not consumed by the GET, so mail scanners prefetching links do no harm.
import { and, eq, sql } from "drizzle-orm";
import { constantTimeEqual, encodeBase64Url, randomBytes, utf8 } from "../../crypto/bytes";
import { hmacHex, toHex } from "../../crypto/hmac";
import { passwordResetCapabilities, type User, users } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { decodeUid, encodeUid } from "../../core/links";
import { completePasswordReset, type NewPasswordInput, resolveResetLink } from "./password.service";

async function sha256Hex(value: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(value))));
}

/**
 * What kills a capability, as it kills the reset token it came from (links.ts): a password change and
 * any login (last_login). Stored in `password_at_issue`, whose name predates the last_login part.
 */
function stateAtIssue(user: Pick<User, "password" | "lastLogin">): Promise<string> {
  return sha256Hex(`${user.lastLogin ?? ""}|${user.password}`);
}

/**
 * The CSRF token that goes with a capability (the csrftoken cookie the link sets): an HMAC of it under
 * the server key, so set-new/ refuses a token from another capability or from a session's csrf/, and
 * the value scripts can read tells nothing about the HttpOnly capability.
 */
export function capabilityCsrfToken(deps: Deps, capability: string): Promise<string> {
  return hmacHex(deps.config.jwtSigningKey, "password-reset-csrf", [capability], 32);
}

/** A new capability for a valid link (replacing any earlier one), or null for a bad link. */
export async function issueResetCapability(deps: Deps, uid: string, token: string): Promise<string | null> {
  const link = await resolveResetLink(deps, uid, token);
  if ("error" in link) return null;
  const secret = encodeBase64Url(randomBytes(32));
  const row = {
    tokenHash: await sha256Hex(secret),
    passwordAtIssue: await stateAtIssue(link.user),
    expiresAt: deps.now() + deps.config.passwordResetCookie.maxAge * 1000,
  };
  await deps.db
    .insert(passwordResetCapabilities)
    .values({ userId: link.user.id, ...row })
    .onConflictDoUpdate({ target: passwordResetCapabilities.userId, set: row });
  return `${encodeUid(link.user.id)}.${secret}`;
}

/** The user a live capability belongs to, with the stored hash to consume it by; null otherwise. */
async function resolveCapability(deps: Deps, value: string): Promise<{ user: User; tokenHash: string } | null> {
  const [uid, secret, extra] = value.split(".");
  const userId = uid ? decodeUid(uid) : null;
  if (userId === null || !secret || extra !== undefined || secret.length > 100) return null;
  const [row] = await deps.db
    .select({ capability: passwordResetCapabilities, user: users })
    .from(passwordResetCapabilities)
    .innerJoin(users, eq(users.id, passwordResetCapabilities.userId))
    .where(eq(passwordResetCapabilities.userId, userId))
    .limit(1);
  if (!row || !row.user.isActive || row.capability.expiresAt <= deps.now()) return null;
  const presented = await sha256Hex(secret);
  if (!constantTimeEqual(utf8(presented), utf8(row.capability.tokenHash))) return null;
  if (!constantTimeEqual(utf8(await stateAtIssue(row.user)), utf8(row.capability.passwordAtIssue))) return null;
  return { user: row.user, tokenHash: row.capability.tokenHash };
}

/** The user a capability that set-new would accept now belongs to, or null (the form's one query). */
export async function capabilityHolder(deps: Deps, value: string): Promise<User | null> {
  return (await resolveCapability(deps, value))?.user ?? null;
}

/**
 * set-new: validates the password first (a 400 does not consume), then, in one batch, sets the
 * password only while this capability is still stored and deletes it: of two requests with one
 * capability one resets, and a failed write (D1 unavailable) leaves the capability usable.
 * False when the capability is not (or no longer) valid.
 */
export async function resetWithCapability(deps: Deps, value: string, input: NewPasswordInput): Promise<boolean> {
  const found = await resolveCapability(deps, value);
  if (!found) return false;
  const thisCapability = and(eq(passwordResetCapabilities.userId, found.user.id), eq(passwordResetCapabilities.tokenHash, found.tokenHash));
  return completePasswordReset(deps, found.user, input, {
    stillValid: sql`exists (select 1 from ${passwordResetCapabilities} where ${thisCapability})`,
    spend: deps.db.delete(passwordResetCapabilities).where(thisCapability),
  });
}
