// Django dump → SQL for D1: a pure module (no I/O) that the CLI (scripts/import-django.ts) feeds from a
// streamed file and tests feed from memory. Two passes over the same records: scan() every record,
// decide(), then emit() every record again; each emit returns the statements that are complete.
//
// Every statement is an upsert keyed by Django's ids, so running the same dump twice changes
// nothing and a newer dump updates rows in place. A user who has logged in here since the dump
// (or changed their password here) keeps the password and last login we have.
import { identifierKey } from "../core/username";
import { SUPPORTED_HASHERS, hasherOf } from "../crypto/hashers";
import { ImportPlan } from "./django-plan";
import { type DumpRecord, type UserRef, isEmail, isRecord, readAddress, readSocial, readUser } from "./django-records";
import { type SqlValue, sqlTuple, utf8Length } from "./sql";

export interface SkippedRow {
  model: string;
  pk: unknown;
  reason: string;
}

export interface ImportReport {
  users: number;
  /** Users with an address, and how many of those are verified. */
  addresses: number;
  verifiedAddresses: number;
  socialAccounts: number;
  /** Rows (or, for users, their address) left out, each with why; empty when ImportOptions.onSkip takes them. */
  skipped: SkippedRow[];
  skippedRows: number;
  warnings: string[];
  /** Users per password hasher ("!" for unusable passwords). */
  hashers: Record<string, number>;
}

export interface ImportOptions {
  /** The user model's label in the dump; `auth.user` unless AUTH_USER_MODEL says otherwise. */
  userModel?: string;
  /** Rows are packed into multi-row upserts up to this size (8 KB by default); a larger row goes alone, up to D1's 100 KB. */
  maxStatementBytes?: number;
  /** Receives each skipped row as it is found, instead of report.skipped (a big dump's CLI run prints them). */
  onSkip?: (row: SkippedRow) => void;
}

const USER_COLUMNS =
  "id, username, username_key, email, email_key, email_verified, password, first_name, last_name, is_active, date_joined, last_login, updated_at";
// Kept when the row changed here after the dump: a later login (last_login) or a password change or
// reset (updated_at). updated_at is written as the newest time the dump knows of for the user.
const CHANGED_HERE = "users.updated_at > excluded.updated_at OR coalesce(users.last_login, 0) > coalesce(excluded.last_login, 0)";
const USER_UPSERT = `ON CONFLICT(id) DO UPDATE SET username = excluded.username, username_key = excluded.username_key, \
email = excluded.email, email_key = excluded.email_key, \
email_verified = excluded.email_verified, first_name = excluded.first_name, last_name = excluded.last_name, \
is_active = excluded.is_active, date_joined = excluded.date_joined, \
password = iif(${CHANGED_HERE}, users.password, excluded.password), \
last_login = iif(${CHANGED_HERE}, users.last_login, excluded.last_login), \
updated_at = max(users.updated_at, excluded.updated_at)`;
const SOCIAL_COLUMNS = "id, user_id, provider, uid, extra_data, date_joined, last_login";
const SOCIAL_UPSERT = `ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id, provider = excluded.provider, \
uid = excluded.uid, extra_data = excluded.extra_data, date_joined = excluded.date_joined, last_login = excluded.last_login`;
const STATEMENT_OVERHEAD = 1024;
// wrangler d1 execute --local splits the file itself, in time quadratic in each statement's length
// (about 0.15 s per MB at 2 KB, 1 s per MB at 32 KB), and it takes a CASE or BEGIN outside quotes for
// the start of a trigger body: hence iif() above, and statements of a few KB (D1 allows 100 KB).
const DEFAULT_STATEMENT_BYTES = 8 * 1024;
const D1_STATEMENT_LIMIT = 100_000;
// Django 3.2+'s argon2 default (m=102400) is the most the Worker verifies (crypto/django-hashers/shared.ts).
const ARGON2_MAX_KIB = 102_400;

interface Pending {
  kind: "users" | "social";
  rows: string[];
  profiles: string[];
  bytes: number;
}

export class DjangoImport {
  readonly plan: ImportPlan;
  readonly report: ImportReport = { users: 0, addresses: 0, verifiedAddresses: 0, socialAccounts: 0, skipped: [], skippedRows: 0, warnings: [], hashers: {} };
  private readonly maxBytes: number;
  private readonly onSkip: (row: SkippedRow) => void;
  private readonly socialKeys = new Map<string, number>();
  private pending: Pending | null = null;
  private heavyArgon2 = 0;

  constructor(options: ImportOptions = {}) {
    this.plan = new ImportPlan((options.userModel ?? "auth.user").toLowerCase());
    this.maxBytes = options.maxStatementBytes ?? DEFAULT_STATEMENT_BYTES;
    this.onSkip = options.onSkip ?? ((row) => this.report.skipped.push(row));
  }

  /** First pass: one record of the dump (anything else is ignored until emit() reports it). */
  scan(value: unknown): void {
    this.plan.scan(value);
  }

  /** Between the passes. */
  decide(): void {
    this.plan.decide();
  }

  /** Second pass: the same record again; returns the statements this completes (often none). */
  emit(value: unknown): string[] {
    if (!isRecord(value)) {
      return this.skip({ model: "?", pk: undefined, reason: "not a dumpdata record ({model, pk, fields})" });
    }
    const model = value.model.toLowerCase();
    if (model === this.plan.userModel) return this.emitUser(value);
    if (model === "account.emailaddress") return this.emitAddress(value);
    if (model === "socialaccount.socialaccount") return this.emitSocial(value);
    return this.skip({ model, pk: value.pk, reason: `model ${model} is not imported` });
  }

  /** After the second pass: the last statements, and the warnings. */
  finish(): string[] {
    const out = this.flush();
    this.warn();
    return out;
  }

  /** Records a skipped row; returns no statements, for the emitters' early returns. */
  private skip(row: SkippedRow): [] {
    this.report.skippedRows++;
    this.onSkip(row);
    return [];
  }

  private emitUser(record: DumpRecord): string[] {
    const model = this.plan.userModel;
    const read = readUser(record);
    if ("skip" in read) return this.skip({ model, pk: record.pk, reason: read.skip });
    const user = read.row;
    const owner = this.plan.ownerOfUsername(user.username);
    if (owner !== user.id) {
      const reason = owner === undefined ? `pk ${user.id} appears twice` : `username ${JSON.stringify(user.username)} is taken, case-insensitively, by user ${owner}`;
      return this.skip({ model, pk: user.id, reason });
    }
    const chosen = this.plan.chosen.get(user.id);
    const updatedAt = Math.max(user.dateJoined, user.lastLogin ?? 0);
    const email = chosen?.email ?? "";
    // The keys are computed here, in the same function as the Worker's (SQL's lower() folds ASCII only).
    const values: SqlValue[] = [
      user.id, user.username, identifierKey(user.username), email, identifierKey(email), chosen?.verified ?? false, user.password,
      user.firstName, user.lastName, user.isActive, user.dateJoined, user.lastLogin, updatedAt,
    ];
    const out = this.add("users", sqlTuple(values), sqlTuple([user.id, updatedAt]));
    if (out === null) return this.skip({ model, pk: user.id, reason: "row is larger than one D1 statement (100 KB)" });

    this.report.users++;
    if (chosen) {
      this.report.addresses++;
      if (chosen.verified) this.report.verifiedAddresses++;
    } else if (user.email) {
      const taken = isEmail(user.email) ? this.plan.ownerOfEmail(user.email) : undefined;
      const why = taken === undefined ? "is not an e-mail address" : `is taken, case-insensitively, by user ${taken}`;
      this.skip({ model, pk: user.id, reason: `email ${JSON.stringify(user.email)} ${why}: user imported without an address` });
    }
    const hasher = user.password.startsWith("!") ? "!" : hasherOf(user.password) || "(none)";
    this.report.hashers[hasher] = (this.report.hashers[hasher] ?? 0) + 1;
    const memory = /^argon2\$[^$]+\$(?:v=\d+\$)?m=(\d+),/.exec(user.password)?.[1];
    if (memory && Number(memory) > ARGON2_MAX_KIB) this.heavyArgon2++;
    return out;
  }

  /** Addresses write nothing of their own (the user row carries the kept one): this only reports. */
  private emitAddress(record: DumpRecord): [] {
    const model = "account.emailaddress";
    const read = readAddress(record);
    if ("skip" in read) return this.skip({ model, pk: record.pk, reason: read.skip });
    const address = read.row;
    const id = this.plan.resolve(address.user);
    if (id === undefined) return this.skip({ model, pk: address.id, reason: `unknown user ${describe(address.user)}` });
    if (this.plan.chosen.get(id)?.addressPk === address.id) return [];
    const owner = this.plan.ownerOfEmail(address.email);
    let reason: string;
    if (owner !== undefined && owner !== id) reason = `address taken, case-insensitively, by user ${owner}`;
    else if (owner === id) reason = "the user's address again, in another case";
    else if (address.primary) reason = "a second primary address: the first one is kept";
    else reason = "secondary address: one address per user is kept (the primary)";
    return this.skip({ model, pk: address.id, reason });
  }

  private emitSocial(record: DumpRecord): string[] {
    const model = "socialaccount.socialaccount";
    const read = readSocial(record);
    if ("skip" in read) return this.skip({ model, pk: record.pk, reason: read.skip });
    const account = read.row;
    const userId = this.plan.resolve(account.user);
    if (userId === undefined) return this.skip({ model, pk: account.id, reason: `unknown user ${describe(account.user)}` });
    const key = `${account.provider}\n${account.uid}`;
    const first = this.socialKeys.get(key);
    if (first !== undefined) return this.skip({ model, pk: account.id, reason: `same provider and uid as row ${first}` });
    const values = [account.id, userId, account.provider, account.uid, account.extraData, account.dateJoined, account.lastLogin];
    const out = this.add("social", sqlTuple(values), null);
    if (out === null) return this.skip({ model, pk: account.id, reason: "row is larger than one D1 statement (100 KB)" });
    this.socialKeys.set(key, account.id);
    this.report.socialAccounts++;
    return out;
  }

  /** Adds a row to the statement being built; returns the statements completed, or null if the row can never fit. */
  private add(kind: Pending["kind"], row: string, profile: string | null): string[] | null {
    const bytes = utf8Length(row) + 2;
    if (bytes + STATEMENT_OVERHEAD > D1_STATEMENT_LIMIT) return null;
    // A kind change flushes: social accounts must come after the users they point to.
    const out = this.pending && (this.pending.kind !== kind || this.pending.bytes + bytes > this.maxBytes) ? this.flush() : [];
    this.pending ??= { kind, rows: [], profiles: [], bytes: STATEMENT_OVERHEAD };
    this.pending.rows.push(row);
    if (profile) this.pending.profiles.push(profile);
    this.pending.bytes += bytes;
    return out;
  }

  private flush(): string[] {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return [];
    if (pending.kind === "social") {
      return [`INSERT INTO social_accounts (${SOCIAL_COLUMNS}) VALUES\n${pending.rows.join(",\n")}\n${SOCIAL_UPSERT};`];
    }
    return [
      `INSERT INTO users (${USER_COLUMNS}) VALUES\n${pending.rows.join(",\n")}\n${USER_UPSERT};`,
      // Every user has a profile row (registration makes one in the same batch).
      `INSERT INTO profiles (user_id, updated_at) VALUES ${pending.profiles.join(", ")} ON CONFLICT(user_id) DO NOTHING;`,
    ];
  }

  private warn(): void {
    const { plan, report } = this;
    if (plan.extraFields.size) {
      const fields = [...plan.extraFields].map(([field, n]) => `${field} (${n} rows)`).join(", ");
      report.warnings.push(`${plan.userModel} has fields Django's User has not; they are not imported: ${fields}`);
    }
    for (const [hasher, n] of Object.entries(report.hashers)) {
      if (hasher !== "!" && !SUPPORTED_HASHERS.has(hasher)) {
        report.warnings.push(`${n} users have ${hasher} password hashes, which we cannot verify: they must reset their password`);
      }
    }
    if (this.heavyArgon2) {
      report.warnings.push(`${this.heavyArgon2} argon2 hashes need more than 100 MiB (m > ${ARGON2_MAX_KIB}): a Worker cannot verify them, those users must reset their password`);
    }
    if (report.users === 0) {
      for (const [model, n] of plan.lookalikes) {
        report.warnings.push(`no ${plan.userModel} rows, but ${model} (${n} rows) looks like a user model: pass --user-model ${model}`);
      }
    }
  }
}

function describe(ref: UserRef): string {
  return "username" in ref ? JSON.stringify([ref.username]) : `pk ${ref.pk}`;
}

/** Both passes over records held in memory (tests, small dumps): the statements in order, and the report. */
export function importRecords(records: readonly unknown[], options?: ImportOptions): { statements: string[]; report: ImportReport } {
  const importer = new DjangoImport(options);
  for (const record of records) importer.scan(record);
  importer.decide();
  const statements = records.flatMap((record) => importer.emit(record));
  statements.push(...importer.finish());
  return { statements, report: importer.report };
}
