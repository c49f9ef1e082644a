// Registration: dj-rest-auth's RegisterSerializer and allauth's signup, in one D1 batch.
import { sql } from "drizzle-orm";
import { hashPassword } from "../../crypto/pbkdf2";
import { profiles, type User, users } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { InvalidInput, invalid, isUniqueViolation, type FieldErrors } from "../../core/errors";
import { recordEvent } from "../../core/events";
import { encodeUid, makeResetToken, resetUrl } from "../../core/links";
import { sendMail } from "../../core/mail";
import { accountExistsMail } from "../../core/mail-templates";
import { prepareNewFamily, type TokenPair } from "../../core/tokens";
import {
  EMAIL_TAKEN_AT_SIGNUP,
  findUserByEmail,
  findUserByUsername,
  identifierKey,
  normalizeUsername,
  passwordChecker,
  sendConfirmation,
  USERNAME_TAKEN,
  usernameError,
  userKeys,
} from "../../core/users";

/** A free username from the e-mail's local part (when usernames are not required). */
async function generateUsername(deps: Deps, email: string): Promise<string> {
  const base = normalizeUsername(email.split("@")[0] ?? "user").replace(/[^\p{L}\p{N}_@.+-]/gu, "").slice(0, 140) || "user";
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = attempt === 0 ? base : `${base}${crypto.getRandomValues(new Uint32Array(1))[0]! % 100000}`;
    if (!deps.config.usernameBlacklist.has(identifierKey(candidate)) && !(await findUserByUsername(deps, candidate))) return candidate;
  }
  return `${base}${crypto.randomUUID().slice(0, 8)}`;
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

/**
 * The serializer's field-level checks (validate_username, validate_email, validate_password1), each on
 * its own field: the ones given in `fields` are checked, the others are skipped. Registration runs it on
 * the whole input; the declaration also runs it on the fields that passed when others did not, so one
 * answer names every field's problems, as DRF's does.
 */
export async function registrationFieldErrors(deps: Deps, fields: Partial<RegistrationInput>) {
  const { config } = deps;
  const errors: FieldErrors = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);
  if (fields.username === undefined) {
    if (config.usernameRequired) add("username", "This field is required.");
  } else {
    const problem = await usernameError(deps, fields.username, null);
    if (problem) add("username", problem);
  }
  const existingOwner = fields.email ? await findUserByEmail(deps, fields.email) : undefined;
  if (existingOwner && !config.registrationPreventEnumeration) add("email", EMAIL_TAKEN_AT_SIGNUP);
  // Field-level strength check runs without the user (so no similarity), as allauth's clean_password(password) does.
  const checkPassword = fields.password1 === undefined ? null : await passwordChecker(deps, fields.password1);
  const strength = checkPassword?.({}) ?? [];
  if (strength.length) errors.password1 = strength;
  return { errors, existingOwner, checkPassword };
}

/**
 * Whether the field errors tell that a username or address is taken: such an answer is what an
 * enumeration attempt is after, so it spends the sign-up budget; a form's format errors do not.
 */
export function revealsTakenAccount(errors: FieldErrors): boolean {
  return Boolean(errors.username?.includes(USERNAME_TAKEN) || errors.email?.includes(EMAIL_TAKEN_AT_SIGNUP));
}

/**
 * dj-rest-auth's RegisterSerializer: field checks, then the pair check, then similarity on the built
 * user. `spendBudget` (the per-IP sign-up throttle) runs before any account or mail, and before an
 * answer that reveals a taken name or address; malformed or weak input spends nothing.
 */
export async function register(deps: Deps, input: RegistrationInput, spendBudget: () => Promise<void>): Promise<RegistrationResult> {
  const { config } = deps;
  const { errors, existingOwner, checkPassword: checked } = await registrationFieldErrors(deps, input);
  if (revealsTakenAccount(errors)) await spendBudget();
  if (Object.keys(errors).length) throw new InvalidInput(errors);
  const checkPassword = checked!;
  let username = input.username;

  if (input.password1 !== input.password2) throw invalid("non_field_errors", "The two password fields didn't match.");
  username ??= await generateUsername(deps, input.email);
  const draft = { username, email: input.email, firstName: input.first_name ?? "", lastName: input.last_name ?? "" };
  const similarity = checkPassword(draft);
  if (similarity.length) throw new InvalidInput({ non_field_errors: similarity });

  // A new account or a mail follows, for a taken address as for a free one: both spend the same budget.
  await spendBudget();
  if (existingOwner) {
    // REGISTRATION_PREVENT_ENUMERATION: same answer as a fresh sign-up, after the same work (the hash a
    // new account would cost); the owner learns of the attempt.
    await hashPassword(input.password1, config.pbkdf2Iterations);
    const token = await makeResetToken(deps, existingOwner);
    sendMail(deps, accountExistsMail(config, existingOwner.email, existingOwner.username, resetUrl(config, encodeUid(existingOwner.id), token)));
    return { kind: "verification_sent" };
  }

  const now = deps.now();
  const returnsTokens = config.emailVerification !== "mandatory";
  const password = await hashPassword(input.password1, config.pbkdf2Iterations);
  // User, profile and (when tokens are returned) the family go in one transaction: no half-written account.
  // The new row is found by its username: unique like the address, and always there (the address may be "").
  const keys = userKeys(draft);
  const newUserId = sql`(select ${users.id} from ${users} where ${users.usernameKey} = ${keys.usernameKey})`;
  const session = returnsTokens ? prepareNewFamily(deps, newUserId) : null;
  let user: User;
  try {
    const insertUser = deps.db
      .insert(users)
      .values({
        ...draft,
        ...keys,
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
    if (isUniqueViolation(error, "users.email_key")) throw invalid("email", EMAIL_TAKEN_AT_SIGNUP);
    if (isUniqueViolation(error, "users.username_key")) throw invalid("username", USERNAME_TAKEN);
    throw error;
  }
  recordEvent(deps, user.id, "register");
  if (config.emailVerification !== "none") await sendConfirmation(deps, user, user.email, input.verification_base_url);
  if (!session) return { kind: "verification_sent" };
  recordEvent(deps, user.id, "login", { session: session.family });
  return { kind: "logged_in", user, tokens: await session.sign(user.id) };
}

