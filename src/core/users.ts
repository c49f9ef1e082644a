// Accounts: registration, login and profile edits of the user record.
import { eq, sql } from "drizzle-orm";
import { getHashIterations, hashPassword, isUsablePassword, verifyAgainstDummy, verifyPassword } from "../crypto/pbkdf2";
import { prepared } from "../db/prepared";
import { commonPasswords, profiles, type User, users } from "../db/schema";
import type { Database, Deps } from "./deps";
import { InvalidInput, invalid, isUniqueViolation, type FieldErrors } from "./errors";
import { recordEvent } from "./events";
import { confirmationUrl, encodeUid, makeConfirmationKey, makeResetToken, resetUrl } from "./links";
import { sendMail } from "./mail";
import { accountExistsMail, confirmationMail } from "./mail-templates";
import { normalizeForCommonCheck, validatePassword } from "./password-policy";
import { prepareNewFamily, type TokenPair } from "./tokens";

export const USERNAME_TAKEN = "A user with that username already exists.";
export const EMAIL_TAKEN_AT_SIGNUP = "User is already registered with this e-mail address.";
const USERNAME_INVALID = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
const USERNAME_BLACKLISTED = "Username can not be used. Please use other username.";
const UNABLE_TO_LOG_IN = "Unable to log in with provided credentials.";
export const EMAIL_NOT_VERIFIED = "E-mail is not verified.";

// Django's UnicodeUsernameValidator: \w plus @ . + -
const USERNAME_PATTERN = /^[\p{L}\p{N}_@.+-]+$/u;

/**
 * The account whose address is `email`, case-insensitively. Never matches a blank address (an
 * account without one); the `<> ''` term is also what lets SQLite use the partial index users_email_lower.
 */
export function findUserByEmail(deps: Deps, email: string): Promise<User | undefined> {
  return deps.db.query.users.findFirst({ where: sql`lower(${users.email}) = lower(${email}) and ${users.email} <> ''` });
}

function findUserByUsername(deps: Deps, username: string): Promise<User | undefined> {
  return deps.db.query.users.findFirst({ where: sql`lower(${users.username}) = lower(${username})` });
}

/** Username rules shared by registration and user updates; null when fine. */
export async function usernameError(deps: Deps, username: string, ownId: number | null): Promise<string | null> {
  if (!USERNAME_PATTERN.test(username)) return USERNAME_INVALID;
  if (username.length < deps.config.usernameMinLength) {
    return `Ensure this field has at least ${deps.config.usernameMinLength} characters.`;
  }
  if (deps.config.usernameBlacklist.has(username.toLowerCase())) return USERNAME_BLACKLISTED;
  const existing = await findUserByUsername(deps, username);
  return existing && existing.id !== ownId ? USERNAME_TAKEN : null;
}

/** A free username from the e-mail's local part (when usernames are not required). */
async function generateUsername(deps: Deps, email: string): Promise<string> {
  const base = (email.split("@")[0] ?? "user").replace(/[^\p{L}\p{N}_@.+-]/gu, "").slice(0, 140) || "user";
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = attempt === 0 ? base : `${base}${crypto.getRandomValues(new Uint32Array(1))[0]! % 100000}`;
    if (!deps.config.usernameBlacklist.has(candidate.toLowerCase()) && !(await findUserByUsername(deps, candidate))) return candidate;
  }
  return `${base}${crypto.randomUUID().slice(0, 8)}`;
}

const commonPasswordLookup = (db: Database) =>
  db
    .select({ password: commonPasswords.password })
    .from(commonPasswords)
    .where(eq(commonPasswords.password, sql.placeholder("password")))
    .limit(1)
    .prepare();

type PasswordUser = Partial<Pick<User, "username" | "email" | "firstName" | "lastName">>;

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
  sendMail(deps, confirmationMail(email, user.username, confirmationUrl(deps.config, key, baseUrl), key));
}

export interface RegistrationInput {
  username?: string;
  /** "" = no address (allowed when ACCOUNT_EMAIL_REQUIRED=false; the route's schema enforces the setting). */
  email: string;
  password1: string;
  password2: string;
  first_name?: string;
  last_name?: string;
  verification_base_url?: string | null;
}

export type RegistrationResult = { kind: "verification_sent" } | { kind: "logged_in"; user: User; tokens: TokenPair };

/** dj-rest-auth's RegisterSerializer: field checks, then the pair check, then similarity on the built user. */
export async function register(deps: Deps, input: RegistrationInput): Promise<RegistrationResult> {
  const { config } = deps;
  const errors: FieldErrors = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);

  let username = input.username;
  if (username === undefined) {
    if (config.usernameRequired) add("username", "This field is required.");
  } else {
    const problem = await usernameError(deps, username, null);
    if (problem) add("username", problem);
  }
  const existingOwner = await findUserByEmail(deps, input.email);
  const hideTakenEmail = config.registrationPreventEnumeration;
  if (existingOwner && !hideTakenEmail) add("email", EMAIL_TAKEN_AT_SIGNUP);
  // Field-level strength check runs without the user (so no similarity), as allauth's clean_password(password) does.
  const checkPassword = await passwordChecker(deps, input.password1);
  const strength = checkPassword({});
  if (strength.length) errors.password1 = strength;
  if (Object.keys(errors).length) throw new InvalidInput(errors);

  if (input.password1 !== input.password2) throw invalid("non_field_errors", "The two password fields didn't match.");
  username ??= await generateUsername(deps, input.email);
  const draft = { username, email: input.email, firstName: input.first_name ?? "", lastName: input.last_name ?? "" };
  const similarity = checkPassword(draft);
  if (similarity.length) throw new InvalidInput({ non_field_errors: similarity });

  if (existingOwner) {
    // REGISTRATION_PREVENT_ENUMERATION: same answer as a fresh sign-up; the owner learns of the attempt.
    const token = await makeResetToken(deps, existingOwner);
    sendMail(deps, accountExistsMail(existingOwner.email, existingOwner.username, resetUrl(config, encodeUid(existingOwner.id), token)));
    return { kind: "verification_sent" };
  }

  const now = deps.now();
  const returnsTokens = config.emailVerification !== "mandatory";
  const password = await hashPassword(input.password1, config.pbkdf2Iterations);
  // User, profile and (when tokens are returned) the family go in one transaction: no half-written account.
  // The new row is found by its username: unique like the address, and always there (the address may be "").
  const newUserId = sql`(select ${users.id} from ${users} where lower(${users.username}) = lower(${username}))`;
  const session = returnsTokens ? prepareNewFamily(deps, newUserId) : null;
  let user: User;
  try {
    const insertUser = deps.db
      .insert(users)
      .values({
        ...draft,
        password,
        // Nothing to verify without an address: email_verified stays false then.
        emailVerified: config.emailVerification === "none" && draft.email !== "",
        dateJoined: now,
        lastLogin: returnsTokens ? now : null,
        updatedAt: now,
      })
      .returning();
    const insertProfile = deps.db.insert(profiles).values({ userId: newUserId, updatedAt: now });
    const [inserted] = session
      ? await deps.db.batch([insertUser, insertProfile, session.insert])
      : await deps.db.batch([insertUser, insertProfile]);
    user = inserted[0]!;
  } catch (error) {
    // Lost a race with a concurrent sign-up for the same name or address.
    if (isUniqueViolation(error, "users_email_lower")) throw invalid("email", EMAIL_TAKEN_AT_SIGNUP);
    if (isUniqueViolation(error, "users_username_lower")) throw invalid("username", USERNAME_TAKEN);
    throw error;
  }
  recordEvent(deps, user.id, "register");
  if (config.emailVerification !== "none") await sendConfirmation(deps, user, user.email, input.verification_base_url);
  if (!session) return { kind: "verification_sent" };
  recordEvent(deps, user.id, "login", { session: session.family });
  return { kind: "logged_in", user, tokens: await session.sign(user.id) };
}

export interface LoginInput {
  username?: string;
  email?: string;
  password: string;
}

export type LoginResult = { user: User; tokens: TokenPair };

/** Password login: one PBKDF2 for known and unknown users alike, then a new family. */
export async function login(deps: Deps, input: LoginInput): Promise<LoginResult> {
  const { config } = deps;
  const byEmail = input.email && config.loginMethods.includes("email");
  const byUsername = !byEmail && input.username && config.loginMethods.includes("username");
  if (!byEmail && !byUsername) {
    throw invalid("non_field_errors", 'Must include either "username" or "email" and "password".');
  }
  const user = byEmail ? await findUserByEmail(deps, input.email!) : await findUserByUsername(deps, input.username!);
  if (!user || !isUsablePassword(user.password)) {
    await verifyAgainstDummy(input.password, config.pbkdf2Iterations);
    throw invalid("non_field_errors", UNABLE_TO_LOG_IN);
  }
  const valid = await verifyPassword(input.password, user.password);
  if (!valid || !user.isActive) {
    recordEvent(deps, user.id, "login_failed", { reason: valid ? "inactive" : "password" });
    throw invalid("non_field_errors", UNABLE_TO_LOG_IN);
  }
  if (config.emailVerification === "mandatory" && !user.emailVerified) {
    recordEvent(deps, user.id, "login_failed", { reason: "email_not_verified" });
    throw invalid("non_field_errors", EMAIL_NOT_VERIFIED);
  }
  const now = deps.now();
  // Re-hash when the configured work factor changed since this hash was made.
  const rehash = getHashIterations(user.password) !== config.pbkdf2Iterations;
  const password = rehash ? await hashPassword(input.password, config.pbkdf2Iterations) : user.password;
  const session = prepareNewFamily(deps, user.id);
  await deps.db.batch([
    deps.db.update(users).set({ lastLogin: now, password }).where(eq(users.id, user.id)),
    session.insert,
  ]);
  recordEvent(deps, user.id, "login", { session: session.family });
  return { user: { ...user, lastLogin: now, password }, tokens: await session.sign(user.id) };
}

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
    await deps.db.update(users).set(next).where(eq(users.id, user.id));
  } catch (error) {
    if (isUniqueViolation(error, "users_username_lower")) throw invalid("username", USERNAME_TAKEN);
    throw error;
  }
  recordEvent(deps, user.id, "user_updated", { fields: changed });
  return { ...user, ...next };
}
