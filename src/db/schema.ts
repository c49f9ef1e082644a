// Drizzle tables: the single source of the D1 schema (migrations are generated from this file).
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Times are Unix milliseconds (integers) throughout. */
export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    username: text("username").notNull(),
    /** "" = no address (ACCOUNT_EMAIL_REQUIRED=false), as Django stores a blank EmailField. */
    email: text("email").notNull(),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    /** Django layout `pbkdf2_sha256$iter$salt$hash`, or `!...` for an unusable password. */
    password: text("password").notNull(),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    dateJoined: integer("date_joined").notNull(),
    lastLogin: integer("last_login"),
    /** Bumped on every credential change; part of the capability and session checks. */
    updatedAt: integer("updated_at").notNull(),
    /**
     * TOTP is active (mfa_totp.confirmed_at is set). Kept here, written in the same D1 batch as that
     * row, so login reads it with the user row: no extra query for users without MFA.
     */
    mfaEnabled: integer("mfa_enabled", { mode: "boolean" }).notNull().default(false),
    /**
     * identifierKey(username) / identifierKey(email) (core/username.ts: NFKC + full case fold), what
     * uniqueness and every lookup use: SQLite's lower() folds ASCII only. Written with every insert and
     * every change of username or e-mail (core/users.ts userKeys). Rows the 0006 migration could not
     * key in SQL hold `PENDING:<id>` until the cron fills them; one that would collide with another
     * account holds `COLLISION:<id>` (keys never contain ASCII capitals, so no input reaches either).
     */
    usernameKey: text("username_key").notNull(),
    emailKey: text("email_key").notNull(),
  },
  (t) => [
    // Uniqueness is enforced by the database, so two racing requests cannot both win.
    uniqueIndex("users_username_key").on(t.usernameKey),
    // Partial: any number of accounts may have no address ("").
    uniqueIndex("users_email_key").on(t.emailKey).where(sql`${t.emailKey} <> ''`),
  ],
);

export const profiles = sqliteTable("profiles", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  country: text("country").notNull().default(""),
  profession: text("profession").notNull().default(""),
  bio: text("bio").notNull().default(""),
  thoughts: text("thoughts").notNull().default(""),
  profileImg: text("profile_img").notNull().default(""),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * A third-party login linked to a user (allauth's SocialAccount, contract §2.5). Filled by the
 * Django import for now; the social login endpoints build on it. `uid` is the provider's id for
 * the account, unique per provider.
 */
export const socialAccounts = sqliteTable(
  "social_accounts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    uid: text("uid").notNull(),
    /** What the provider last said about the account (allauth's extra_data), as JSON. */
    extraData: text("extra_data", { mode: "json" }).$type<unknown>().notNull().default({}),
    dateJoined: integer("date_joined").notNull(),
    lastLogin: integer("last_login").notNull(),
  },
  (t) => [uniqueIndex("social_accounts_provider_uid").on(t.provider, t.uid), index("social_accounts_user").on(t.userId)],
);

/** One row per refresh-token family (= one session, one device). */
export const tokenFamilies = sqliteTable(
  "token_families",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** jti of the only refresh token of the family that may still be used; the rotation check-and-set compares it. */
    currentJti: text("current_jti").notNull(),
    /**
     * The refresh token current_jti replaced, and when (ms): within REFRESH_REUSE_INTERVAL it still gets
     * the current pair instead of counting as reuse. Kept in D1 so the answer never waits for KV.
     */
    previousJti: text("previous_jti"),
    rotatedAt: integer("rotated_at"),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at").notNull(),
    /** exp of the current refresh token (ms): after it the family is dead without being revoked. */
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    revokedReason: text("revoked_reason"),
    ip: text("ip"),
    userAgent: text("user_agent").notNull().default(""),
    country: text("country"),
  },
  (t) => [index("token_families_user").on(t.userId, t.lastUsedAt)],
);

/** Security history (contract §1.9). */
export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    createdAt: integer("created_at").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent").notNull().default(""),
    country: text("country"),
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("events_user_created").on(t.userId, t.createdAt), index("events_created").on(t.createdAt)],
);

/** Pending e-mail change: the address only replaces users.email once its key is confirmed. */
export const emailChanges = sqliteTable("email_changes", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  email: text("email").notNull(),
  requestedAt: integer("requested_at").notNull(),
});

/**
 * The one live reset capability per user (jwt-allauth link flow): issued when the mailed link is
 * opened, consumed by set-new. Only a hash of the cookie value is stored.
 */
export const passwordResetCapabilities = sqliteTable("password_reset_capabilities", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  tokenHash: text("token_hash").notNull(),
  /** The password hash when issued: any password change since voids the capability. */
  passwordAtIssue: text("password_at_issue").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

/**
 * The "common" password validator's list (data/common-passwords.txt), seeded by a migration: kept
 * in D1 rather than in the Worker bundle, where it was a fifth of the gzipped size.
 */
export const commonPasswords = sqliteTable("common_passwords", {
  /** Lower-cased and stripped, as Django's CommonPasswordValidator compares. */
  password: text("password").primaryKey(),
});

/**
 * Every mail, written before its first delivery attempt (core/mail.ts): pending until the provider
 * takes it, then sent (body purged) or failed = dead (4xx, or still failing at MAIL_MAX_AGE).
 */
export const mailOutbox = sqliteTable(
  "mail_outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: ["pending", "sent", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    /** When a pending row is due; also the lease of whoever is delivering it (claimed rows are pushed ahead). */
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    /** When the secret link it carries dies (reset, confirmation); its body is purged then. Null: no secret. */
    expiresAt: integer("expires_at"),
  },
  (t) => [index("mail_outbox_due").on(t.status, t.nextAttemptAt)],
);

/** A user's TOTP authenticator and recovery codes (contract §2.7): pending until a first code activates it. */
export const mfaTotp = sqliteTable("mfa_totp", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** The 20-byte secret, never in clear: base64url(IV || AES-256-GCM ciphertext || tag), bound to the user id. */
  secret: text("secret").notNull(),
  /** Fingerprint of the MFA_ENCRYPTION_KEYS key that encrypted `secret` and keyed the recovery code hashes. */
  keyId: text("key_id").notNull(),
  createdAt: integer("created_at").notNull(),
  /** When the first code activated it; null = a pending secret from setup. */
  confirmedAt: integer("confirmed_at"),
  /** The last TOTP step accepted: each code is good once (RFC 6238 §5.2). */
  lastUsedStep: integer("last_used_step"),
  /** HMACs of the unused recovery codes; one is removed from the array, atomically, when used. */
  recoveryCodes: text("recovery_codes", { mode: "json" }).$type<string[]>().notNull().default([]),
});

/** Login tickets of users with MFA (contract §2.7.6): single-use, short-lived; only a hash of the token is stored. */
export const mfaTickets = sqliteTable(
  "mfa_tickets",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at").notNull(),
    /** Wrong codes so far; the ticket dies at MFA_TICKET_MAX_FAILURES. */
    failures: integer("failures").notNull().default(0),
  },
  (t) => [index("mfa_tickets_expires").on(t.expiresAt)],
);

export type User = typeof users.$inferSelect;
export type Profile = typeof profiles.$inferSelect;
export type TokenFamily = typeof tokenFamilies.$inferSelect;
export type SocialAccount = typeof socialAccounts.$inferSelect;
export type SecurityEvent = typeof events.$inferSelect;
export type MfaTotp = typeof mfaTotp.$inferSelect;
