// Social login and connect (contract §2.5.1, §2.5.2): a verified provider identity becomes a session of
// the user it is linked to, of a local account it may be linked to by e-mail, or of a new account.
import type { BatchItem } from "drizzle-orm/batch";
import { eq, type SQL, sql } from "drizzle-orm";
import { makeUnusablePassword } from "../../crypto/pbkdf2";
import { profiles, type SocialAccount, socialAccounts, type User, users } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { invalid } from "../../core/errors";
import { recordEvent } from "../../core/events";
import { prepareMfaTicket } from "../../core/mfa-tickets";
import { startSession } from "../../core/sessions";
import { prepareNewFamily, type TokenPair } from "../../core/tokens";
import { EMAIL_NOT_VERIFIED, EMAIL_TAKEN_AT_SIGNUP, findUserByEmail, identifierKey, sendConfirmation, userKeys } from "../../core/users";
import { type SocialCredentials, type SocialIdentity, type SocialProviderConfig, verifySocialCredential } from "./providers";
import { findLinkedAccount } from "./social-accounts.service";
import { freeUsername } from "./social-username";

export const ACCOUNT_DISABLED = "User account is disabled.";
export const ALREADY_CONNECTED = "The third-party account is already connected to a different account.";

/** A first social login that would create an account while SOCIALACCOUNT_AUTO_SIGNUP=false or sign-up is closed (403). */
export class SignupClosed extends Error {
  override name = "SignupClosed";
}

/** Tokens, or (TOTP enabled) the ticket mfa/authenticate/ exchanges for them. */
export type SocialLoginResult = { user: User; tokens: TokenPair } | { mfaTicket: string };

type Write = BatchItem<"sqlite">;

/** Concurrent first logins (or connects) of one provider account: a unique index refused the loser's writes. */
function lostRace(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  return text.includes("UNIQUE constraint failed");
}

/** Tries `attempt` again (re-reading everything) when it lost a race on a unique index; at most three times. */
async function retryingRaces<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 3 || !lostRace(error)) throw error;
    }
  }
}

// Provider addresses go into users.email, whose rules are Django's EmailField: anything else is dropped.
const PLAUSIBLE_EMAIL = /^[^\s@"(),:;<>[\\\]]+@[^\s@"(),:;<>[\\\]]+\.[^\s@"(),:;<>[\\\]]+$/;

function addressOf(identity: SocialIdentity): string {
  const email = identity.email?.trim() ?? "";
  return email.length <= 254 && PLAUSIBLE_EMAIL.test(email) ? email : "";
}

const sameAddress = (a: string, b: string) => a !== "" && a.toLowerCase() === b.toLowerCase();

function accountValues(deps: Deps, provider: SocialProviderConfig, identity: SocialIdentity, userId: number | SQL) {
  const now = deps.now();
  return { userId, provider: provider.id, uid: identity.uid, extraData: identity.extraData, dateJoined: now, lastLogin: now };
}

/** The provider's latest data and the login time on a linked account. */
function touchAccount(deps: Deps, account: SocialAccount, identity: SocialIdentity): Write {
  return deps.db.update(socialAccounts).set({ lastLogin: deps.now(), extraData: identity.extraData }).where(eq(socialAccounts.id, account.id));
}

/**
 * The checks of a login into an existing account, then the session (or the MFA ticket) written with
 * `writes` in one batch. An address the provider vouches for and the account has unverified becomes
 * verified, as allauth does when the provider's e-mail is verified.
 */
async function logInto(deps: Deps, provider: SocialProviderConfig, identity: SocialIdentity, user: User, writes: Write[]): Promise<SocialLoginResult> {
  if (!user.isActive) {
    recordEvent(deps, user.id, "login_failed", { reason: "inactive", provider: provider.id });
    throw invalid("non_field_errors", ACCOUNT_DISABLED);
  }
  const vouched = !user.emailVerified && identity.emailVerified && sameAddress(addressOf(identity), user.email);
  if (vouched) {
    writes.push(deps.db.update(users).set({ emailVerified: true }).where(eq(users.id, user.id)));
    user = { ...user, emailVerified: true };
  }
  if (deps.config.emailVerification === "mandatory" && !user.emailVerified) {
    recordEvent(deps, user.id, "login_failed", { reason: "email_not_verified", provider: provider.id });
    throw invalid("non_field_errors", EMAIL_NOT_VERIFIED);
  }
  if (user.mfaEnabled) {
    // As password login: no family, no last_login, no login event until the second factor.
    const ticket = await prepareMfaTicket(deps, user.id);
    await deps.db.batch([ticket.insert, ...writes]);
    return { mfaTicket: ticket.token };
  }
  return startSession(deps, user, { event: "social_login", meta: { provider: provider.id }, alsoWrite: writes });
}

/**
 * A new user for the identity, in one D1 batch: user (unusable password, the address verified only
 * when the provider vouches), profile, social account and, when it may log in at once, the family.
 * Under mandatory verification an unvouched address gets the confirmation mail and the 400.
 */
async function signUp(deps: Deps, provider: SocialProviderConfig, identity: SocialIdentity): Promise<SocialLoginResult> {
  const { config } = deps;
  if (!config.socialAutoSignup || !config.registrationOpen) throw new SignupClosed();
  const email = addressOf(identity);
  // Without an address there is nothing to verify, and no other way in: refused before anything is written.
  if (email === "" && config.emailRequired) throw invalid("non_field_errors", EMAIL_NOT_VERIFIED);
  const emailVerified = email !== "" && identity.emailVerified;
  const logsIn = config.emailVerification !== "mandatory" || emailVerified;
  const username = await freeUsername(deps, identity);
  const now = deps.now();
  // The new row is found by its username, as registration does: unique, and always there.
  const newUserId = sql`(select ${users.id} from ${users} where ${users.usernameKey} = ${identifierKey(username)})`;
  const session = logsIn ? prepareNewFamily(deps, newUserId) : null;
  const insertUser = deps.db
    .insert(users)
    .values({
      username,
      email,
      ...userKeys({ username, email }),
      emailVerified,
      password: makeUnusablePassword(),
      firstName: (identity.firstName ?? "").slice(0, 150),
      lastName: (identity.lastName ?? "").slice(0, 150),
      dateJoined: now,
      lastLogin: logsIn ? now : null,
      updatedAt: now,
    })
    .returning();
  const insertProfile = deps.db.insert(profiles).values({ userId: newUserId, updatedAt: now });
  const insertAccount = deps.db.insert(socialAccounts).values(accountValues(deps, provider, identity, newUserId));
  const [inserted] = session
    ? await deps.db.batch([insertUser, insertProfile, insertAccount, session.insert])
    : await deps.db.batch([insertUser, insertProfile, insertAccount]);
  const user = inserted[0]!;
  recordEvent(deps, user.id, "register", { provider: provider.id });
  if (!session) {
    await sendConfirmation(deps, user, email);
    throw invalid("non_field_errors", EMAIL_NOT_VERIFIED);
  }
  recordEvent(deps, user.id, "social_login", { provider: provider.id, session: session.family });
  return { user, tokens: await session.sign(user.id) };
}

/**
 * POST {provider}/: the account linked to the provider account; else, by e-mail, a local account
 * (only with SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT and both sides verified; otherwise
 * refused); else a new account. Of concurrent first logins of one provider account one creates the
 * user, the others lose on the unique indexes, re-read, and log into it.
 */
export async function socialLogin(deps: Deps, provider: SocialProviderConfig, credentials: SocialCredentials): Promise<SocialLoginResult> {
  // SocialLoginError (the 400s and the 502) comes out of here, before anything is written.
  const identity = await verifySocialCredential(deps, provider, credentials);
  return retryingRaces(async () => {
    const linked = await findLinkedAccount(deps, provider, identity.uid);
    if (linked) return logInto(deps, provider, identity, linked.user, [touchAccount(deps, linked.account, identity)]);
    const email = addressOf(identity);
    const owner = email ? await findUserByEmail(deps, email) : undefined;
    if (!owner) return signUp(deps, provider, identity);
    const { config } = deps;
    if (!(config.socialEmailAuthenticationAutoConnect && identity.emailVerified && owner.emailVerified)) {
      throw invalid("non_field_errors", EMAIL_TAKEN_AT_SIGNUP);
    }
    const result = await logInto(deps, provider, identity, owner, [deps.db.insert(socialAccounts).values(accountValues(deps, provider, identity, owner.id))]);
    recordEvent(deps, owner.id, "social_connect", { provider: provider.id, by: "email" });
    return result;
  });
}

/**
 * POST {provider}/connect/: links the provider account to the caller (again, if it already is) and
 * starts a new session, as dj-rest-auth's connect view logs in again. The caller's e-mail is untouched.
 */
export async function socialConnect(deps: Deps, provider: SocialProviderConfig, credentials: SocialCredentials, caller: User) {
  const identity = await verifySocialCredential(deps, provider, credentials);
  return retryingRaces(async () => {
    const linked = await findLinkedAccount(deps, provider, identity.uid);
    if (linked && linked.user.id !== caller.id) throw invalid("non_field_errors", ALREADY_CONNECTED);
    const write = linked
      ? touchAccount(deps, linked.account, identity)
      : deps.db.insert(socialAccounts).values(accountValues(deps, provider, identity, caller.id));
    return startSession(deps, caller, { event: "social_connect", meta: { provider: provider.id, linked: !linked }, alsoWrite: [write] });
  });
}
