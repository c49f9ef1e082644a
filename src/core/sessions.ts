// The end of every successful login (password, second factor, social): last_login, a new family, the event.
import type { BatchItem } from "drizzle-orm/batch";
import { eq } from "drizzle-orm";
import { type User, users } from "../db/schema";
import type { Deps } from "./deps";
import { type EventType, recordEvent } from "./events";
import { prepareNewFamily, type TokenPair } from "./tokens";

export interface SessionOptions {
  /** The hash to store: a re-hash, or (default) the stored one unchanged. */
  password?: string;
  meta?: Record<string, unknown>;
  /** The history event recorded (default `login`; social login and connect record their own). */
  event?: EventType;
  /** Further writes that must happen with the login or not at all (a social account's last_login). */
  alsoWrite?: ReadonlyArray<BatchItem<"sqlite">>;
}

/**
 * One D1 batch: last_login (which voids outstanding reset tokens) with `password` (a re-hash, or the
 * stored hash unchanged), the new family and `alsoWrite`; then the event and the first pair.
 */
export async function startSession(
  deps: Deps,
  user: User,
  { password = user.password, meta = {}, event = "login", alsoWrite = [] }: SessionOptions = {},
): Promise<{ user: User; tokens: TokenPair }> {
  const now = deps.now();
  const session = prepareNewFamily(deps, user.id);
  await deps.db.batch([deps.db.update(users).set({ lastLogin: now, password }).where(eq(users.id, user.id)), session.insert, ...alsoWrite]);
  recordEvent(deps, user.id, event, { session: session.family, ...meta });
  return { user: { ...user, lastLogin: now, password }, tokens: await session.sign(user.id) };
}
