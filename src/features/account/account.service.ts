// user/: edits of the user record (pk and e-mail are read-only here).
import { eq } from "drizzle-orm";
import { type User, users } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { invalid, isUniqueViolation } from "../../core/errors";
import { recordEvent } from "../../core/events";
import { identifierKey, USERNAME_TAKEN, usernameError } from "../../core/users";

export interface UserChanges {
  username?: string;
  first_name?: string;
  last_name?: string;
}

/** PUT/PATCH user/: pk and email are read-only (e-mail changes go through verification). */
export async function updateUser(deps: Deps, user: User, changes: UserChanges): Promise<User> {
  if (changes.username !== undefined && changes.username !== user.username) {
    const problem = await usernameError(deps, changes.username, user.id);
    if (problem) throw invalid("username", problem);
  }
  const next = {
    username: changes.username ?? user.username,
    firstName: changes.first_name ?? user.firstName,
    lastName: changes.last_name ?? user.lastName,
  };
  const changed = (
    [
      ["username", user.username, next.username],
      ["first_name", user.firstName, next.firstName],
      ["last_name", user.lastName, next.lastName],
    ] as const
  )
    .filter(([, before, after]) => before !== after)
    .map(([field]) => field);
  if (changed.length === 0) return user;
  try {
    await deps.db.update(users).set({ ...next, usernameKey: identifierKey(next.username) }).where(eq(users.id, user.id));
  } catch (error) {
    if (isUniqueViolation(error, "users.username_key")) throw invalid("username", USERNAME_TAKEN);
    throw error;
  }
  recordEvent(deps, user.id, "user_updated", { fields: changed });
  return { ...user, ...next, usernameKey: identifierKey(next.username) };
}
