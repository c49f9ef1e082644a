// Mail through a Resend-compatible HTTP API, sent after the response; transient failures go to a D1 outbox.
import { and, asc, eq, lte } from "drizzle-orm";
import { mailOutbox } from "../db/schema";
import type { Database, Deps } from "./deps";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
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

/** Outbox retries back off 1, 2, 4, ... minutes and give up after this many attempts. */
export const MAX_MAIL_ATTEMPTS = 8;
const backoffMs = (attempts: number) => 60_000 * 2 ** (attempts - 1);

async function deliver(deps: Pick<Deps, "config">, payload: MailPayload): Promise<DeliveryResult> {
  const { mailApiKey, mailApiUrl } = deps.config;
  if (!mailApiKey) {
    // Console transport: development only (config refuses it in production).
    console.log(`[mail] to=${payload.to.join(",")} subject=${JSON.stringify(payload.subject)}\n${payload.text}`);
    return { status: "sent" };
  }
  let response: Response;
  try {
    response = await fetch(mailApiUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${mailApiKey}`, "content-type": "application/json" },
      body: JSON.stringify(payload),
    });
  } catch (error) {
    return { status: "retry", error: `network: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (response.ok) return { status: "sent" };
  const reason = `${response.status}: ${(await response.text().catch(() => "")).slice(0, 500)}`;
  return response.status === 429 || response.status >= 500 ? { status: "retry", error: reason } : { status: "failed", error: reason };
}

function toPayload(deps: Pick<Deps, "config">, message: MailMessage): MailPayload {
  const payload: MailPayload = {
    from: deps.config.mailFrom,
    to: [message.to],
    subject: message.subject,
    text: message.text,
    html: message.html,
  };
  if (deps.config.mailReplyTo) payload.reply_to = deps.config.mailReplyTo;
  return payload;
}

/**
 * Sends after the response; never throws into the request (answers must not depend on the mail API).
 * A blank recipient is an account without an address (ACCOUNT_EMAIL_REQUIRED=false): nothing is sent.
 */
export function sendMail(deps: Deps, message: MailMessage): void {
  // The one place that decides it, so no caller can post a mail to "".
  if (message.to.trim() === "") return;
  const payload = toPayload(deps, message);
  // Started after the response (a function, see Deps.defer): a path that mails answers as fast as one that does not.
  deps.defer(async () => {
    const result = await deliver(deps, payload);
    if (result.status === "sent") return;
    if (result.status === "failed") console.error(`[mail] rejected by provider: ${result.error}`);
    // Kept even when rejected, so an operator can see why a user got nothing.
    await deps.db.insert(mailOutbox).values({
      payload: payload as unknown as Record<string, unknown>,
      status: result.status === "retry" ? "pending" : "failed",
      attempts: 1,
      nextAttemptAt: deps.now() + backoffMs(1),
      lastError: result.error,
      createdAt: deps.now(),
    });
  });
}

/** Cron: retries due outbox rows with exponential backoff. Returns how many were sent. */
export async function retryOutbox(deps: Pick<Deps, "config"> & { db: Database; now: () => number }, limit = 25): Promise<number> {
  const due = await deps.db
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.status, "pending"), lte(mailOutbox.nextAttemptAt, deps.now())))
    .orderBy(asc(mailOutbox.nextAttemptAt))
    .limit(limit);
  let sent = 0;
  for (const row of due) {
    const result = await deliver(deps, row.payload as unknown as MailPayload);
    const attempts = row.attempts + 1;
    if (result.status === "sent") {
      sent++;
      // The payload holds live links: drop it once delivered.
      await deps.db.delete(mailOutbox).where(eq(mailOutbox.id, row.id));
      continue;
    }
    const giveUp = result.status === "failed" || attempts >= MAX_MAIL_ATTEMPTS;
    await deps.db
      .update(mailOutbox)
      .set({
        attempts,
        status: giveUp ? "failed" : "pending",
        nextAttemptAt: deps.now() + backoffMs(attempts),
        lastError: result.error,
      })
      .where(eq(mailOutbox.id, row.id));
  }
  return sent;
}
