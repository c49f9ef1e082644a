// Periodic jobs run by the cron trigger: mail retries, pruning of old history, dead sessions and MFA
// tickets, and the identifier keys migration 0006 left pending.
import { and, isNotNull, lt, or, sql } from "drizzle-orm";
import { events, mfaTickets, tokenFamilies } from "../db/schema";
import type { Deps } from "./deps";
import { keyFillOutcome, keyFillStatements, type KeyFillReport, type PendingKeyRow, pendingKeyRowsSql } from "./identifier-keys";
import { pruneOutbox, retryOutbox } from "./mail";

export interface MaintenanceReport {
  mailSent: number;
  mailRetried: number;
  mailDead: number;
  /** Mail whose secret link died before delivery (given up, body purged). */
  mailExpired: number;
  mailPruned: number;
  eventsPruned: number;
  familiesPruned: number;
  mfaTicketsPruned: number;
  identifierKeys: KeyFillReport;
}

export async function runMaintenance(deps: Pick<Deps, "config" | "db" | "now">): Promise<MaintenanceReport> {
  const now = deps.now();
  // Expired links first, so that no retry below sends one.
  const mailPrune = await pruneOutbox(deps);
  const mail = await retryOutbox(deps);
  const eventCutoff = now - deps.config.historyRetentionDays * 86_400_000;
  const prunedEvents = await deps.db.delete(events).where(lt(events.createdAt, eventCutoff)).returning({ id: events.id });
  // A family is only useful until its refresh token expires; revoked ones are kept as long for reuse detection.
  const familyCutoff = now - deps.config.refreshTokenLifetime * 1000;
  const prunedFamilies = await deps.db
    .delete(tokenFamilies)
    .where(or(lt(tokenFamilies.expiresAt, familyCutoff), and(isNotNull(tokenFamilies.revokedAt), lt(tokenFamilies.revokedAt, familyCutoff))))
    .returning({ id: tokenFamilies.id });
  // Expired login tickets are dead already (authenticate checks expires_at); this only reclaims the rows.
  const prunedTickets = await deps.db.delete(mfaTickets).where(lt(mfaTickets.expiresAt, now)).returning({ tokenHash: mfaTickets.tokenHash });
  const identifierKeys = await fillPendingKeys(deps);
  return {
    identifierKeys,
    mailSent: mail.sent,
    mailRetried: mail.retried,
    mailDead: mail.dead,
    mailExpired: mailPrune.expired,
    mailPruned: mailPrune.deleted,
    eventsPruned: prunedEvents.length,
    familiesPruned: prunedFamilies.length,
    mfaTicketsPruned: prunedTickets.length,
  };
}

/**
 * Up to `limit` rows whose keys migration 0006 left pending, in one D1 batch. 20 rows keep a run
 * under the free plan's 50 queries per invocation with the rest of the maintenance; the script
 * (npm run db:fill-keys) fills any number at once. An idle run is two index probes.
 */
export async function fillPendingKeys(deps: Pick<Deps, "db">, limit = 20): Promise<KeyFillReport> {
  const rows = await deps.db.all<PendingKeyRow>(sql.raw(pendingKeyRowsSql(limit)));
  const statements = rows.flatMap(keyFillStatements);
  if (statements.length === 0) return { filled: 0, collisions: [] };
  const [first, ...rest] = statements.map((text) => deps.db.all<{ id: number; column_name: string; key: string }>(sql.raw(text)));
  return keyFillOutcome(await deps.db.batch([first!, ...rest]));
}
