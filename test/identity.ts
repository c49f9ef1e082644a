// Helpers of the identity tests: accounts under names and addresses with non-ASCII, fullwidth or other-case spellings.
import { env } from "cloudflare:test";
import { identifierKey } from "../src/core/users";
import { call, confirmationKeyFor, newIdentity } from "./helpers";

export const USERNAME_TAKEN = "A user with that username already exists.";
export const EMAIL_TAKEN = "User is already registered with this e-mail address.";
export const BLACKLISTED = "Username can not be used. Please use other username.";
export const INVALID_EMAIL = "Enter a valid email address.";

/** The fullwidth form of printable ASCII (U+FF01–U+FF5E): NFKC maps it back. */
export function fullwidth(ascii: string): string {
  return ascii.replace(/[!-~]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));
}

/** A fresh lower-case ASCII tag (letters only, so case and width variants differ in every letter). */
export function tag(prefix: string): string {
  return `${prefix}${newIdentity().username.replace(/[^a-z]/g, "")}`.toLowerCase();
}

export const PASSWORD = "correct horse battery staple";

export function signUp(username: string, email: string, vars?: Record<string, string>) {
  return call("POST", "/auth/registration/", { body: { username, email, password1: PASSWORD, password2: PASSWORD }, env: vars });
}

/** Signs up and confirms the address; throws unless both succeed. */
export async function verifiedAccount(username: string, email: string): Promise<void> {
  const response = await signUp(username, email);
  if (response.status !== 201) throw new Error(`sign-up of ${username} failed: ${response.text}`);
  const confirmed = await call("POST", "/auth/registration/verify-email/", { body: { key: confirmationKeyFor(email) } });
  if (confirmed.status !== 200) throw new Error(`confirmation failed: ${confirmed.text}`);
}

export function login(body: Record<string, string>) {
  return call("POST", "/auth/login/", { body: { password: PASSWORD, ...body } });
}

export function keysOf(id: number) {
  return env.DB.prepare("select username, username_key, email, email_key from users where id = ?")
    .bind(id)
    .first<{ username: string; username_key: string; email: string; email_key: string }>();
}

export async function countUsers(): Promise<number> {
  return (await env.DB.prepare("select count(*) as n from users").first<{ n: number }>())!.n;
}

/** The id of the account holding `email` under identifierKey. */
export async function idByEmail(email: string): Promise<number> {
  const row = await env.DB.prepare("select id from users where email_key = ?").bind(identifierKey(email)).first<{ id: number }>();
  if (!row) throw new Error(`no user with ${email}`);
  return row.id;
}
