// Login tickets of users with MFA (contract §2.7.6): what login hands out instead of tokens, and what
// mfa/authenticate/ trades for them. Single-use, 300 s, dead after 5 wrong codes; stored hashed.
import { and, eq, gt, lt, sql } from "drizzle-orm";
import { encodeBase64Url, randomBytes, utf8 } from "../crypto/bytes";
import { toHex } from "../crypto/hmac";
import { mfaTickets } from "../db/schema";
import type { Deps } from "./deps";

const MFA_TICKET_LIFETIME = 300;
export const MFA_TICKET_MAX_FAILURES = 5;

/** The token is 256 random bits: a plain hash suffices to keep a database reader from using it. */
export async function hashTicket(token: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(token))));
}

/**
 * A new ticket for `userId`: its token, and its INSERT un-run so that login can batch it with a
 * password re-hash (one round trip, as the family insert of a plain login).
 */
export async function prepareMfaTicket(deps: Deps, userId: number) {
  const token = encodeBase64Url(randomBytes(32));
  const insert = deps.db.insert(mfaTickets).values({ tokenHash: await hashTicket(token), userId, expiresAt: deps.now() + MFA_TICKET_LIFETIME * 1000 });
  return { token, insert };
}

/** The conditions of a ticket that may still be used, `now` being the request's time. */
export function liveTicket(tokenHash: string, now: number) {
  return and(eq(mfaTickets.tokenHash, tokenHash), gt(mfaTickets.expiresAt, now), lt(mfaTickets.failures, MFA_TICKET_MAX_FAILURES));
}

/**
 * Takes one attempt on a live ticket before its code is checked, in one conditional UPDATE: of any
 * number of concurrent attempts at most MFA_TICKET_MAX_FAILURES get a row back, so parallel guesses
 * cannot outrun the limit. A right code then consumes the ticket (see consumeTicket).
 */
export function takeTicketAttempt(deps: Deps, tokenHash: string) {
  return deps.db
    .update(mfaTickets)
    .set({ failures: sql`${mfaTickets.failures} + 1` })
    .where(liveTicket(tokenHash, deps.now()))
    .returning({ userId: mfaTickets.userId });
}

/** Not yet used and not expired, whatever its attempt count (the attempt that consumes it was counted). */
export function unexpiredTicket(tokenHash: string, now: number) {
  return and(eq(mfaTickets.tokenHash, tokenHash), gt(mfaTickets.expiresAt, now));
}

/** The un-run statement that consumes the ticket: of concurrent attempts, one gets the row back. */
export function consumeTicket(deps: Deps, tokenHash: string) {
  return deps.db.delete(mfaTickets).where(unexpiredTicket(tokenHash, deps.now())).returning({ userId: mfaTickets.userId });
}
