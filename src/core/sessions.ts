// The end of every successful login (password, or password then second factor): last_login, a new family, the event.
import { eq } from "drizzle-orm";
import { type User, users } from "../db/schema";
import type { Deps } from "./deps";
import { recordEvent } from "./events";
import { prepareNewFamily, type TokenPair } from "./tokens";

/**
 * One D1 batch: last_login (which voids outstanding reset tokens) with `password` (a re-hash, or the
 * stored hash unchanged) and the new family; then the `login` event and the first pair.
 */
export async function startSession(
  deps: Deps,
  user: User,
  { password = user.password, meta = {} }: { password?: string; meta?: Record<string, unknown> } = {},
): Promise<{ user: User; tokens: TokenPair }> {
  const now = deps.now();
  const session = prepareNewFamily(deps, user.id);
  await deps.db.batch([deps.db.update(users).set({ lastLogin: now, password }).where(eq(users.id, user.id)), session.insert]);
  recordEvent(deps, user.id, "login", { session: session.family, ...meta });
  return { user: { ...user, lastLogin: now, password }, tokens: await session.sign(user.id) };
}
