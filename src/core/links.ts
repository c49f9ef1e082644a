// Stateless link credentials: uid, password-reset tokens and e-mail confirmation keys (contract §1.8).
import { constantTimeEqual, decodeBase64Url, encodeBase64Url, utf8 } from "../crypto/bytes";
import { hmacHex } from "../crypto/hmac";
import type { Config } from "../config";
import type { Deps } from "./deps";
import { invalid } from "./errors";

/** Django's urlsafe_base64_encode of the decimal pk: 1 -> "MQ", 42 -> "NDI". */
export function encodeUid(id: number): string {
  return encodeBase64Url(utf8(String(id)));
}

/** The pk, or null for anything that is not a base64url-encoded positive integer. */
export function decodeUid(uid: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(uid)) return null;
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(decodeBase64Url(uid));
    if (!/^[1-9]\d{0,14}$/.test(text)) return null;
    return Number(text);
  } catch {
    return null;
  }
}

function sameText(a: string, b: string): boolean {
  return constantTimeEqual(utf8(a), utf8(b));
}

const seconds = (deps: Deps) => Math.floor(deps.now() / 1000);

/** What a reset token is bound to: any change to these kills outstanding tokens. */
export interface ResetSubject {
  id: number;
  password: string;
  lastLogin: number | null;
  email: string;
}

function resetMac(deps: Deps, user: ResetSubject, timestamp: number): Promise<string> {
  return hmacHex(deps.config.jwtSigningKey, "password-reset", [
    user.id,
    user.password,
    user.lastLogin ?? "",
    user.email.toLowerCase(),
    timestamp,
  ]);
}

/** `<timestamp base36>-<hmac hex>`, like Django's PasswordResetTokenGenerator. */
export async function makeResetToken(deps: Deps, user: ResetSubject): Promise<string> {
  const timestamp = seconds(deps);
  return `${timestamp.toString(36)}-${await resetMac(deps, user, timestamp)}`;
}

export async function checkResetToken(deps: Deps, user: ResetSubject, token: string): Promise<boolean> {
  const match = /^([0-9a-z]{1,13})-([0-9a-f]{40})$/.exec(token);
  if (!match) return false;
  const timestamp = parseInt(match[1]!, 36);
  const age = seconds(deps) - timestamp;
  if (age < 0 || age > deps.config.passwordResetTimeout) return false;
  return sameText(await resetMac(deps, user, timestamp), match[2]!);
}

export interface ParsedConfirmationKey {
  userId: number;
  timestamp: number;
  mac: string;
}

function confirmationMac(deps: Deps, userId: number, email: string, timestamp: number): Promise<string> {
  return hmacHex(deps.config.jwtSigningKey, "email-confirmation", [userId, email.toLowerCase(), timestamp]);
}

/** `<uid>:<timestamp base36>-<hmac>`: binds the user and the address being confirmed. */
export async function makeConfirmationKey(deps: Deps, userId: number, email: string): Promise<string> {
  const timestamp = seconds(deps);
  return `${encodeUid(userId)}:${timestamp.toString(36)}-${await confirmationMac(deps, userId, email, timestamp)}`;
}

/** Syntax and expiry only; the caller checks the MAC against the candidate addresses. */
export function parseConfirmationKey(deps: Deps, key: string): ParsedConfirmationKey | null {
  const match = /^([A-Za-z0-9_-]+):([0-9a-z]{1,13})-([0-9a-f]{40})$/.exec(key);
  if (!match) return null;
  const userId = decodeUid(match[1]!);
  if (userId === null) return null;
  const timestamp = parseInt(match[2]!, 36);
  const age = seconds(deps) - timestamp;
  if (age < 0 || age > deps.config.emailConfirmationExpireDays * 86_400) return null;
  return { userId, timestamp, mac: match[3]! };
}

export async function confirmationKeyMatches(deps: Deps, key: ParsedConfirmationKey, email: string): Promise<boolean> {
  return sameText(await confirmationMac(deps, key.userId, email, key.timestamp), key.mac);
}

/**
 * Fills `{key}`/`{uid}`/`{token}`, or appends the values when the template has no placeholder.
 * No escaping: all three use URL-safe alphabets by construction.
 */
function fillTemplate(template: string, values: Record<string, string>, appended: string): string {
  if (!/\{(key|uid|token)\}/.test(template)) return `${template.replace(/\/+$/, "")}/${appended}/`;
  return template.replace(/\{(key|uid|token)\}/g, (_, name: string) => values[name] ?? "");
}

/**
 * The key is `<uid>:<token>`; a template may also take the two parts apart (`{uid}`/`{token}`), as
 * seed 004's frontends do for its POST verify/token/{uidb64}/{token}/.
 */
export function confirmationUrl(config: Config, key: string, verificationBaseUrl?: string | null): string {
  const template =
    verificationBaseUrl ?? config.emailConfirmUrl ?? `${config.publicBaseUrl}${config.authPrefix}registration/verification/{key}/`;
  const colon = key.indexOf(":");
  return fillTemplate(template, { key, uid: key.slice(0, colon), token: key.slice(colon + 1) }, key);
}

export function resetUrl(config: Config, uid: string, token: string): string {
  const template = config.passwordResetConfirmUrl ?? `${config.publicBaseUrl}${config.authPrefix}password/reset/confirm/{uid}/{token}/`;
  return fillTemplate(template, { uid, token }, `${uid}/${token}`);
}

/**
 * Client-supplied link base (seed 004): only absolute URLs whose exact origin is allow-listed, so a
 * caller can never make us mail a link to a host of its choosing.
 */
export function checkVerificationBaseUrl(config: Config, value: string | null | undefined): string | null {
  if (value === undefined || value === null || value === "") return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid("verification_base_url", "Enter a valid URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid("verification_base_url", "Enter a valid URL.");
  if (!config.verificationBaseUrlAllowedOrigins.has(url.origin) || url.username || url.password) {
    throw invalid("verification_base_url", "This URL's origin is not allowed.");
  }
  return value;
}
