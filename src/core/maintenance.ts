// Periodic jobs run by the cron trigger: mail retries and pruning of old history, dead sessions and MFA tickets.
import { and, isNotNull, lt, or } from "drizzle-orm";
import { events, mfaTickets, tokenFamilies } from "../db/schema";
import type { Deps } from "./deps";
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
  return {
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
