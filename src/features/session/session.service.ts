// Password login: dj-rest-auth's LoginSerializer over allauth's username/e-mail lookup, then a new
// family, or, for a user with TOTP, a ticket for the second factor (contract §2.7.6).
import { eq } from "drizzle-orm";
import { SUPPORTED_HASHERS, hasherOf } from "../../crypto/hashers";
import { needsRehash, verifyPassword } from "../../crypto/passwords";
import { hardenRuntime, hashPassword, isUsablePassword, verifyAgainstDummy } from "../../crypto/pbkdf2";
import { type User, users } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { invalid } from "../../core/errors";
import { recordEvent } from "../../core/events";
import { prepareMfaTicket } from "../../core/mfa-tickets";
import { startSession } from "../../core/sessions";
import { accountKey, beginPasswordLogin, nameKey, passwordLoginSucceeded } from "../../core/throttle";
import type { TokenPair } from "../../core/tokens";
import { EMAIL_NOT_VERIFIED, findUserByEmail, findUserByUsername } from "../../core/users";

const UNABLE_TO_LOG_IN = "Unable to log in with provided credentials.";

export interface LoginInput {
  username?: string;
  email?: string;
  password: string;
}

/**
 * Tokens, or (TOTP enabled) the ticket mfa/authenticate/ exchanges for them with a code, or a refusal
 * before any password check (the account's budget is spent or it is locked out).
 */
export type LoginResult = { user: User; tokens: TokenPair } | { mfaTicket: string } | { retryAfterSeconds: number };

/**
 * The account the identifier names, as allauth's backend finds it: `email` by address; `username` by
 * name, and, when e-mail is a login method, by address first if it looks like one (a frontend's single
 * "username or e-mail" box posts the address as `username`). Also what was typed, which keys the
 * throttle and lockout when no account matches.
 */
async function findLoginUser(deps: Deps, input: LoginInput): Promise<{ user: User | undefined; typed: string }> {
  const methods = deps.config.loginMethods;
  if (input.email && methods.includes("email")) return { user: await findUserByEmail(deps, input.email), typed: input.email };
  const name = input.username;
  const byAddress = Boolean(name?.includes("@")) && methods.includes("email");
  if (!name || (!byAddress && !methods.includes("username"))) {
    throw invalid("non_field_errors", 'Must include either "username" or "email" and "password".');
  }
  const found = byAddress ? await findUserByEmail(deps, name) : undefined;
  return { user: found ?? (methods.includes("username") ? await findUserByUsername(deps, name) : undefined), typed: name };
}

/**
 * Password login: one password check for known and unknown users alike (a dummy PBKDF2 at our
 * work factor for unknown ones), then a new family. A hash imported from Django (another hasher,
 * or PBKDF2 at another count) is replaced by ours after it verifies, so its cost is paid once.
 * Before the check, the account's budget and lockout (keyed by its id, or by the identifier typed
 * when none matches, so an unknown account is refused alike) may refuse the attempt.
 */
export async function login(deps: Deps, input: LoginInput): Promise<LoginResult> {
  const { config } = deps;
  const { user, typed } = await findLoginUser(deps, input);
  const key = user ? accountKey(user.id) : nameKey(typed);
  const admission = await beginPasswordLogin(deps, key);
  if (!admission.allowed) {
    if (admission.lockStarted && user) recordEvent(deps, user.id, "login_locked", admission.lockStarted);
    return { retryAfterSeconds: admission.retryAfterSeconds };
  }
  if (!user || !isUsablePassword(user.password)) {
    await verifyAgainstDummy(input.password, config.pbkdf2Iterations);
    throw invalid("non_field_errors", UNABLE_TO_LOG_IN);
  }
  const valid = await verifyPassword(input.password, user.password);
  // Until then the attempt counts as a failed password: parallel guesses cannot outrun the lockout.
  if (valid) passwordLoginSucceeded(deps, key, admission.attempt);
  if (!valid) await hardenRuntime(input.password, user.password, config.pbkdf2Iterations, SUPPORTED_HASHERS.has(hasherOf(user.password)));
  if (!valid || !user.isActive) {
    recordEvent(deps, user.id, "login_failed", { reason: valid ? "inactive" : "password" });
    throw invalid("non_field_errors", UNABLE_TO_LOG_IN);
  }
  if (config.emailVerification === "mandatory" && !user.emailVerified) {
    recordEvent(deps, user.id, "login_failed", { reason: "email_not_verified" });
    throw invalid("non_field_errors", EMAIL_NOT_VERIFIED);
  }
  // Re-hash when the hasher or the configured work factor changed since this hash was made.
  const rehash = needsRehash(user.password, config.pbkdf2Iterations);
  const password = rehash ? await hashPassword(input.password, config.pbkdf2Iterations) : user.password;
  // The flag came with the user row: a user without MFA costs no query more than before.
  if (user.mfaEnabled) {
    // No family, no last_login, no login event yet: the second factor decides.
    const ticket = await prepareMfaTicket(deps, user.id);
    if (rehash) await deps.db.batch([deps.db.update(users).set({ password }).where(eq(users.id, user.id)), ticket.insert]);
    else await ticket.insert;
    return { mfaTicket: ticket.token };
  }
  return startSession(deps, user, { password });
}

