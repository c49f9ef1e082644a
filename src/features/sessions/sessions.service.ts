// Sessions = token families: list, revoke one, log out everywhere.
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { type TokenFamily, tokenFamilies } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { onSession } from "../../db/replica";
import { recordEvent } from "../../core/events";
import { revokeUserFamiliesStatement } from "../../core/tokens";

/** Conditions for a family that can still be refreshed. */
function liveFamily(deps: Deps, userId: number) {
  const now = deps.now();
  const lifetime = deps.config.sessionLifetime;
  return and(
    eq(tokenFamilies.userId, userId),
    isNull(tokenFamilies.revokedAt),
    gt(tokenFamilies.expiresAt, now),
    lifetime === null ? undefined : gt(tokenFamilies.createdAt, now - lifetime * 1000),
  );
}

/**
 * Read through the request's replica session, after the session check that used it: the list is at
 * least as new as what that check saw (D1 orders a session's reads), so it holds the caller's session.
 */
export function listSessions(deps: Deps, userId: number): Promise<TokenFamily[]> {
  const query = deps.db.select().from(tokenFamilies).where(liveFamily(deps, userId)).orderBy(desc(tokenFamilies.lastUsedAt)).prepare();
  return onSession(query, deps.replica()).all();
}

/** The un-run count of live sessions, for batching (dashboard). */
export function countSessionsQuery(deps: Deps, userId: number) {
  return deps.db.select({ total: sql<number>`count(*)` }).from(tokenFamilies).where(liveFamily(deps, userId));
}

/** Revokes one of the user's own sessions; false when unknown, another user's, or already revoked. */
export async function revokeSession(deps: Deps, userId: number, sessionId: string): Promise<boolean> {
  const rows = await deps.db
    .update(tokenFamilies)
    .set({ revokedAt: deps.now(), revokedReason: "session_revoked" })
    .where(and(eq(tokenFamilies.id, sessionId), eq(tokenFamilies.userId, userId), isNull(tokenFamilies.revokedAt)))
    .returning({ id: tokenFamilies.id });
  if (rows.length === 0) return false;
  recordEvent(deps, userId, "session_revoked", { session: sessionId });
  return true;
}

/** Revokes every family of the user, or every other one with `keepFamily`. Returns how many. */
export async function logoutAll(deps: Deps, userId: number, keepFamily: string | null): Promise<number> {
  const rows = await revokeUserFamiliesStatement(deps, userId, "logout_all", keepFamily ?? undefined).returning({ id: tokenFamilies.id });
  recordEvent(deps, userId, "logout_all", { sessions: rows.length, kept_current: keepFamily !== null });
  return rows.length;
}
