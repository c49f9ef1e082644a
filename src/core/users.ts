// Users: lookups, username and password rules, and the confirmation mail shared by the features.
import { eq, sql } from "drizzle-orm";
import { prepared } from "../db/prepared";
import { commonPasswords, type User, users } from "../db/schema";
import type { Database, Deps } from "./deps";
import { confirmationUrl, makeConfirmationKey } from "./links";
import { sendMail } from "./mail";
import { confirmationMail } from "./mail-templates";
import { normalizeForCommonCheck, validatePassword } from "./password-policy";
import { identifierKey, USERNAME_PATTERN } from "./username";

export { identifierKey, normalizeUsername } from "./username";

export const USERNAME_TAKEN = "A user with that username already exists.";
export const EMAIL_TAKEN_AT_SIGNUP = "User is already registered with this e-mail address.";
const USERNAME_INVALID = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
const USERNAME_BLACKLISTED = "Username can not be used. Please use other username.";
export const EMAIL_NOT_VERIFIED = "E-mail is not verified.";

/**
 * A typed username or e-mail address as lookups compare it (identifierKey of the trimmed text), so
 * the keys of throttles on identifiers that name no account match what a lookup would have matched.
 */
export function normalizeIdentifier(value: string): string {
  return identifierKey(value.trim());
}

/** The key columns of a user row, for every INSERT and for UPDATEs of username or e-mail. */
export function userKeys(user: { username: string; email: string }): { usernameKey: string; emailKey: string } {
  return { usernameKey: identifierKey(user.username), emailKey: identifierKey(user.email) };
}

/**
 * The account whose address is `email` under identifierKey (case and compatibility forms folded).
 * Never matches a blank address (an account without one); the `<> ''` term is also what lets SQLite
 * use the partial index users_email_key.
 */
export function findUserByEmail(deps: Deps, email: string): Promise<User | undefined> {
  const key = identifierKey(email);
  if (key === "") return Promise.resolve(undefined);
  return deps.db.query.users.findFirst({ where: sql`${users.emailKey} = ${key} and ${users.emailKey} <> ''` });
}

/** The account whose username has the same identifierKey ("Üser" finds "üser", "ａｄｍｉｎ" finds "admin"). */
export function findUserByUsername(deps: Deps, username: string): Promise<User | undefined> {
  return deps.db.query.users.findFirst({ where: eq(users.usernameKey, identifierKey(username)) });
}

/**
 * Username rules shared by registration and user updates, on the NFKC form the field schema made;
 * null when fine. The blacklist is compared by identifierKey, so "ＡＤＭＩＮ" is "admin" there too.
 */
export async function usernameError(deps: Deps, username: string, ownId: number | null): Promise<string | null> {
  if (!USERNAME_PATTERN.test(username)) return USERNAME_INVALID;
  if (username.length < deps.config.usernameMinLength) {
    return `Ensure this field has at least ${deps.config.usernameMinLength} characters.`;
  }
  if (deps.config.usernameBlacklist.has(identifierKey(username))) return USERNAME_BLACKLISTED;
  const existing = await findUserByUsername(deps, username);
  return existing && existing.id !== ownId ? USERNAME_TAKEN : null;
}

const commonPasswordLookup = (db: Database) =>
  db
    .select({ password: commonPasswords.password })
    .from(commonPasswords)
    .where(eq(commonPasswords.password, sql.placeholder("password")))
    .limit(1)
    .prepare();

export type PasswordUser = Partial<Pick<User, "username" | "email" | "firstName" | "lastName">>;

/**
 * Django's validators with our settings, for one password against any user: the common-password
 * list (one indexed D1 lookup) is consulted once, however many users the result is checked against.
 */
export async function passwordChecker(deps: Deps, password: string): Promise<(user: PasswordUser) => string[]> {
  const { passwordMinLength, passwordValidators } = deps.config;
  const normalized = normalizeForCommonCheck(password);
  const common = passwordValidators.includes("common") && (await prepared(deps.db, commonPasswordLookup).get({ password: normalized })) !== undefined;
  const options = { minLength: passwordMinLength, validators: passwordValidators, isCommon: (value: string) => common && value === normalized };
  return (user) =>
    validatePassword(password, { username: user.username, email: user.email, first_name: user.firstName, last_name: user.lastName }, options);
}

export async function passwordErrors(deps: Deps, password: string, user: PasswordUser): Promise<string[]> {
  return (await passwordChecker(deps, password))(user);
}

/** Sends the confirmation mail for `email` (the primary address or a pending new one). */
export async function sendConfirmation(deps: Deps, user: Pick<User, "id" | "username">, email: string, baseUrl?: string | null): Promise<void> {
  const key = await makeConfirmationKey(deps, user.id, email);
  sendMail(deps, confirmationMail(deps.config, email, user.username, confirmationUrl(deps.config, key, baseUrl), key));
}
