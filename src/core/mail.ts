// Mail through a Resend-compatible HTTP API. Every message is an outbox row in D1 before its first
// delivery attempt (after the response), so a provider outage, or the isolate dying mid-send, loses nothing:
// the cron job claims due rows atomically and retries them until they are sent or dead.
import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import type { Config } from "../config";
import { mailOutbox } from "../db/schema";
import type { Database, Deps } from "./deps";

/** Which secret link a mail carries: the row's body is purged when that link dies. */
export type MailSecret = "email_confirmation" | "password_reset";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  secret?: MailSecret;
}

/** The JSON body Resend (and compatible APIs) accept. */
export interface MailPayload {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  reply_to?: string;
}

type DeliveryResult = { status: "sent" } | { status: "retry"; error: string } | { status: "failed"; error: string };

/** A mail still failing transiently this long after it was queued is given up (dead, with the provider's last reason). */
export const MAIL_MAX_AGE_MS = 24 * 3_600_000;
/** How long a claimed row is left to whoever claimed it before the cron may take it again. */
export const MAIL_LEASE_MS = 5 * 60_000;
/** Retries back off 1, 2, 4, ... minutes, at most an hour apart. */
export const mailBackoffMs = (attempts: number) => Math.min(60_000 * 2 ** (attempts - 1), 3_600_000);
/** Sent and dead rows are kept this long for operators, then deleted. */
export const MAIL_KEEP_MS = 7 * 86_400_000;

type Outcome = Partial<typeof mailOutbox.$inferInsert>;

/** Until when a mail's secret link works: the row must not hold it longer. */
function secretExpiry(config: Config, secret: MailSecret | undefined, now: number): number | null {
  if (secret === "password_reset") return now + config.passwordResetTimeout * 1000;
  if (secret === "email_confirmation") return now + config.emailConfirmationExpireDays * 86_400_000;
  return null;
}

/** What is left of a delivered or expired mail: who and what, never the body with its link. */
const purgedPayload = (payload: MailPayload) => ({ to: payload.to, subject: payload.subject }) as unknown as Record<string, unknown>;

/** The same row always carries the same key, so a provider that honours it never delivers a retried row twice. */
const idempotencyKey = (row: { id: number; createdAt: number }) => `outbox-${row.id}-${row.createdAt}`;

async function deliver(config: Config, payload: MailPayload, key: string): Promise<DeliveryResult> {
  const { mailApiKey, mailApiUrl } = config;
  let response: Response;
  try {
    response = await fetch(mailApiUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${mailApiKey}`, "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify(payload),
    });
  } catch (error) {
    return { status: "retry", error: `network: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (response.ok) return { status: "sent" };
  const reason = `${response.status}: ${(await response.text().catch(() => "")).slice(0, 500)}`;
  return response.status === 429 || response.status >= 500 ? { status: "retry", error: reason } : { status: "failed", error: reason };
}

/** The row after an attempt: sent (body purged), dead (4xx, or past MAIL_MAX_AGE), or due again after the backoff. */
function afterAttempt(result: DeliveryResult, row: { attempts: number; createdAt: number; payload: MailPayload }, now: number): Outcome {
  if (result.status === "sent") return { status: "sent", payload: purgedPayload(row.payload), lastError: null };
  if (result.status === "failed") {
    console.error(`[mail] rejected by provider: ${result.error}`);
    return { status: "failed", lastError: result.error };
  }
  if (now - row.createdAt >= MAIL_MAX_AGE_MS) {
    console.error(`[mail] given up after ${row.attempts} attempts: ${result.error}`);
    return { status: "failed", lastError: result.error };
  }
  return { nextAttemptAt: now + mailBackoffMs(row.attempts), lastError: result.error };
}

function toPayload(config: Config, message: MailMessage): MailPayload {
  const payload: MailPayload = { from: config.mailFrom, to: [message.to], subject: message.subject, text: message.text, html: message.html };
  if (config.mailReplyTo) payload.reply_to = config.mailReplyTo;
  return payload;
}

/**
 * Queues and sends after the response; never throws into the request (answers must not depend on
 * the mail API or on this write). A blank recipient is an account without an address
 * (ACCOUNT_EMAIL_REQUIRED=false): nothing is sent.
 */
export function sendMail(deps: Deps, message: MailMessage): void {
  // The one place that decides it, so no caller can post a mail to "".
  if (message.to.trim() === "") return;
  const { config } = deps;
  const payload = toPayload(config, message);
  if (!config.mailApiKey) {
    // Console transport: development only (config refuses it in production); nothing to retry.
    console.log(`[mail] to=${payload.to.join(",")} subject=${JSON.stringify(payload.subject)}\n${payload.text}`);
    return;
  }
  // Started after the response (a function, see Deps.defer): a path that mails answers as fast as one that does not.
  deps.defer(async () => {
    const now = deps.now();
    let row: { id: number; createdAt: number } | undefined;
    try {
      // Claimed by this request for MAIL_LEASE_MS: the cron leaves it alone while this attempt runs.
      [row] = await deps.db
        .insert(mailOutbox)
        .values({ payload: payload as unknown as Record<string, unknown>, status: "pending", attempts: 1, nextAttemptAt: now + MAIL_LEASE_MS, createdAt: now, expiresAt: secretExpiry(config, message.secret, now) })
        .returning({ id: mailOutbox.id, createdAt: mailOutbox.createdAt });
    } catch (error) {
      // D1 is down: still try the provider once rather than drop the mail.
      console.error("[mail] outbox unavailable, sending without a record", error);
    }
    const result = await deliver(config, payload, row ? idempotencyKey(row) : `direct-${crypto.randomUUID()}`);
    if (!row) {
      if (result.status !== "sent") console.error(`[mail] lost (outbox unavailable and provider refused): ${result.error}`);
      return;
    }
    await deps.db.update(mailOutbox).set(afterAttempt(result, { attempts: 1, createdAt: row.createdAt, payload }, deps.now())).where(eq(mailOutbox.id, row.id));
  });
}

/**
 * Claims up to `limit` due rows in one conditional UPDATE ... RETURNING (attempts + 1, leased for
 * MAIL_LEASE_MS): D1 runs statements one at a time, so two overlapping cron runs never claim the
 * same row, and a run that dies leaves its rows to the next one after the lease.
 */
async function claimDue(db: Database, now: number, limit: number) {
  const due = db
    .select({ id: mailOutbox.id })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.status, "pending"), lte(mailOutbox.nextAttemptAt, now)))
    .orderBy(asc(mailOutbox.nextAttemptAt))
    .limit(limit);
  return db
    .update(mailOutbox)
    .set({ nextAttemptAt: now + MAIL_LEASE_MS, attempts: sql`${mailOutbox.attempts} + 1` })
    .where(and(inArray(mailOutbox.id, due), eq(mailOutbox.status, "pending"), lte(mailOutbox.nextAttemptAt, now)))
    .returning();
}

export interface OutboxReport {
  sent: number;
  retried: number;
  dead: number;
}

/** Cron: delivers the due rows it claims. */
export async function retryOutbox(deps: Pick<Deps, "config" | "db" | "now">, limit = 25): Promise<OutboxReport> {
  const report: OutboxReport = { sent: 0, retried: 0, dead: 0 };
  const claimed = await claimDue(deps.db, deps.now(), limit);
  for (const row of claimed) {
    const payload = row.payload as unknown as MailPayload;
    let outcome: Outcome;
    if (row.expiresAt !== null && row.expiresAt <= deps.now()) {
      // Its link is dead: sending it would only confuse; the body goes.
      outcome = { status: "failed", payload: purgedPayload(payload), lastError: `link expired before delivery; last error: ${row.lastError ?? "none"}` };
    } else {
      outcome = afterAttempt(await deliver(deps.config, payload, idempotencyKey(row)), { ...row, payload }, deps.now());
    }
    if (outcome.status === "sent") report.sent++;
    else if (outcome.status === "failed") report.dead++;
    else report.retried++;
    await deps.db.update(mailOutbox).set(outcome).where(eq(mailOutbox.id, row.id));
  }
  return report;
}

/**
 * Cron: no row keeps a secret link past its life (a pending one is given up, a dead one loses its
 * body), and sent or dead rows go after MAIL_KEEP_MS. Returns how many rows were deleted.
 */
export async function pruneOutbox(deps: Pick<Deps, "db" | "now">): Promise<{ expired: number; deleted: number }> {
  const now = deps.now();
  const purge = sql`json_object('to', json_extract(${mailOutbox.payload}, '$.to'), 'subject', json_extract(${mailOutbox.payload}, '$.subject'))`;
  const [expiredPending, , deleted] = await deps.db.batch([
    deps.db
      .update(mailOutbox)
      .set({ status: "failed", payload: purge, lastError: sql`'link expired before delivery; last error: ' || coalesce(${mailOutbox.lastError}, 'none')` })
      .where(and(eq(mailOutbox.status, "pending"), lte(mailOutbox.expiresAt, now)))
      .returning({ id: mailOutbox.id }),
    deps.db
      .update(mailOutbox)
      .set({ payload: purge })
      .where(and(lte(mailOutbox.expiresAt, now), sql`json_extract(${mailOutbox.payload}, '$.text') is not null`)),
    deps.db
      .delete(mailOutbox)
      .where(and(inArray(mailOutbox.status, ["sent", "failed"]), lte(mailOutbox.createdAt, now - MAIL_KEEP_MS)))
      .returning({ id: mailOutbox.id }),
  ]);
  return { expired: expiredPending.length, deleted: deleted.length };
}
