// The rows of a `manage.py dumpdata auth.user account.emailaddress socialaccount.socialaccount
// --natural-foreign` dump, read into our shapes; each reader returns a row or the reason to skip it.
import { USERNAME_PATTERN } from "../core/username";

export interface DumpRecord {
  model: string;
  pk: unknown;
  fields: Record<string, unknown>;
}

/** A user as the dump names it: by pk, or by natural key (the username) with --natural-foreign. */
export type UserRef = { pk: number } | { username: string };

export interface UserRow {
  id: number;
  username: string;
  /** auth_user.email: only used when allauth has no primary address for the user. */
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  dateJoined: number;
  lastLogin: number | null;
}

export interface AddressRow {
  id: number;
  user: UserRef;
  email: string;
  verified: boolean;
  primary: boolean;
}

export interface SocialRow {
  id: number;
  user: UserRef;
  provider: string;
  uid: string;
  extraData: string;
  dateJoined: number;
  lastLogin: number;
}

export type Read<T> = { row: T } | { skip: string };

/** The fields of Django's AbstractUser; anything else in a custom user model is ignored with a warning. */
export const DJANGO_USER_FIELDS = new Set([
  "password", "last_login", "is_superuser", "username", "first_name", "last_name",
  "email", "is_staff", "is_active", "date_joined", "groups", "user_permissions",
]);

// Deliberately loose (allauth validated these when they were entered): one @, no spaces, 254 at most.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;
const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

export function isRecord(value: unknown): value is DumpRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Partial<DumpRecord>;
  return typeof record.model === "string" && typeof record.fields === "object" && record.fields !== null;
}

function isId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL_PATTERN.test(value);
}

/**
 * Unix ms from a DjangoJSONEncoder datetime ("2024-05-01T12:00:00.123Z", or naive without USE_TZ,
 * read as UTC like Django's own default TIME_ZONE); null for null, undefined when unreadable.
 */
function readDatetime(value: unknown): number | null | undefined {
  if (value === null) return null;
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return undefined;
  const ms = Date.parse(OFFSET.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function readRef(value: unknown): UserRef | null {
  if (isId(value)) return { pk: value };
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string") return { username: value[0] };
  return null;
}

export function readUser(record: DumpRecord): Read<UserRow> {
  const f = record.fields;
  // --natural-primary leaves the pk out, and we keep Django's ids.
  if (record.pk === undefined) return { skip: "no pk: dump without --natural-primary" };
  if (!isId(record.pk)) return { skip: "pk is not a positive integer" };
  const username = f.username;
  if (typeof username !== "string" || !USERNAME_PATTERN.test(username)) {
    return { skip: `username ${JSON.stringify(username)} is not valid here (letters, digits and @/./+/-/_ only)` };
  }
  if (typeof f.password !== "string") return { skip: "no password field" };
  const dateJoined = readDatetime(f.date_joined);
  const lastLogin = readDatetime(f.last_login ?? null);
  if (dateJoined === undefined || dateJoined === null) return { skip: `date_joined ${JSON.stringify(f.date_joined)} is not a datetime` };
  if (lastLogin === undefined) return { skip: `last_login ${JSON.stringify(f.last_login)} is not a datetime` };
  return {
    row: {
      id: record.pk,
      username,
      email: text(f.email).trim(),
      password: f.password,
      firstName: text(f.first_name),
      lastName: text(f.last_name),
      isActive: f.is_active !== false,
      dateJoined,
      lastLogin,
    },
  };
}

export function readAddress(record: DumpRecord): Read<AddressRow> {
  const f = record.fields;
  if (!isId(record.pk)) return { skip: "pk is not a positive integer" };
  const user = readRef(f.user);
  if (!user) return { skip: `user ${JSON.stringify(f.user)} is neither a pk nor a natural key` };
  const email = text(f.email).trim();
  if (!isEmail(email)) return { skip: `address ${JSON.stringify(f.email)} is not an e-mail address` };
  return { row: { id: record.pk, user, email, verified: f.verified === true, primary: f.primary === true } };
}

export function readSocial(record: DumpRecord): Read<SocialRow> {
  const f = record.fields;
  if (!isId(record.pk)) return { skip: "pk is not a positive integer" };
  const user = readRef(f.user);
  if (!user) return { skip: `user ${JSON.stringify(f.user)} is neither a pk nor a natural key` };
  const provider = text(f.provider);
  const uid = text(f.uid);
  if (!provider || !uid) return { skip: "provider or uid is empty" };
  const dateJoined = readDatetime(f.date_joined);
  const lastLogin = readDatetime(f.last_login);
  if (typeof dateJoined !== "number" || typeof lastLogin !== "number") return { skip: "date_joined or last_login is not a datetime" };
  return { row: { id: record.pk, user, provider, uid, extraData: readExtraData(f.extra_data), dateJoined, lastLogin } };
}

/** Older allauth (0.51, Debian bookworm's, among them) kept extra_data in a text column, dumped as a JSON string; newer as a JSON object. */
function readExtraData(value: unknown): string {
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value));
    } catch {
      return JSON.stringify(value);
    }
  }
  return JSON.stringify(value ?? {});
}
