// First pass over a Django dump: which users are imported, how natural keys resolve, and which one
// address each user keeps. The second pass (django-import.ts) writes SQL from these decisions.
//
// Memory is per user, not per dump: a username → id map, the chosen address and its owner index,
// never the records themselves: a million-user dump runs in a 256 MB heap (README, "Leaving Django").
import { identifierKey } from "../core/username";
import { type DumpRecord, DJANGO_USER_FIELDS, type UserRef, isEmail, isRecord, readAddress, readUser } from "./django-records";

export interface ChosenAddress {
  email: string;
  verified: boolean;
  /** The account.emailaddress row it came from; null when it is auth_user.email with no such row. */
  addressPk: number | null;
}

interface Candidate {
  email: string;
  verified: boolean;
  pk: number;
}

export class ImportPlan {
  /** Exact username → id: natural keys are case-sensitive, like Django's username lookups. */
  private readonly byUsername = new Map<string, number>();
  /**
   * identifierKey(username) → id, for usernames whose key differs from their spelling (ours are unique
   * by key: "Üser" and "üser", or "ａｄｍｉｎ" and "admin", are one name here, two in Django).
   */
  private readonly byKey = new Map<string, number>();
  readonly userIds = new Set<number>();
  /** The address each user keeps, and who owns each address (by identifierKey). */
  readonly chosen = new Map<number, ChosenAddress>();
  readonly owners = new Map<string, number>();
  /** Fields of a custom user model that we do not import, with how many rows had them. */
  readonly extraFields = new Map<string, number>();
  /** Rows of other models that look like users (a custom user model under another label). */
  readonly lookalikes = new Map<string, number>();

  // Only needed until decide(): auth_user.email of users without a primary address yet, and a
  // non-primary allauth row for it (its verified flag counts if the address falls back to it).
  private authEmails = new Map<number, string>();
  private authMatches = new Map<number, Candidate>();
  private decided = false;

  constructor(readonly userModel: string) {}

  /** The user who holds `username` under identifierKey, if any. */
  ownerOfUsername(username: string): number | undefined {
    const key = identifierKey(username);
    // Usernames that are their own key are only in byUsername, under that spelling.
    return this.byKey.get(key) ?? this.byUsername.get(key);
  }

  /** The user who holds `email` under identifierKey, if any. */
  ownerOfEmail(email: string): number | undefined {
    return this.owners.get(identifierKey(email));
  }

  resolve(ref: UserRef): number | undefined {
    if ("username" in ref) return this.byUsername.get(ref.username);
    return this.userIds.has(ref.pk) ? ref.pk : undefined;
  }

  scan(value: unknown): void {
    if (this.decided) throw new Error("scan() after decide()");
    if (!isRecord(value)) return;
    const model = value.model.toLowerCase();
    if (model === this.userModel) this.scanUser(value);
    else if (model === "account.emailaddress") this.scanAddress(value);
    else if (model !== "socialaccount.socialaccount" && "username" in value.fields && "password" in value.fields) {
      this.lookalikes.set(model, (this.lookalikes.get(model) ?? 0) + 1);
    }
  }

  private scanUser(record: DumpRecord): void {
    for (const field of Object.keys(record.fields)) {
      if (!DJANGO_USER_FIELDS.has(field)) this.extraFields.set(field, (this.extraFields.get(field) ?? 0) + 1);
    }
    const read = readUser(record);
    if ("skip" in read) return;
    const user = read.row;
    // Django's usernames are unique case-sensitively, ours by identifierKey: the first one wins.
    if (this.userIds.has(user.id) || this.ownerOfUsername(user.username) !== undefined) return;
    this.userIds.add(user.id);
    this.byUsername.set(user.username, user.id);
    const key = identifierKey(user.username);
    if (key !== user.username) this.byKey.set(key, user.id);
    if (isEmail(user.email)) this.authEmails.set(user.id, user.email);
  }

  private scanAddress(record: DumpRecord): void {
    const read = readAddress(record);
    if ("skip" in read) return;
    const address = read.row;
    const id = this.resolve(address.user);
    if (id === undefined) return;
    if (address.primary) {
      // A primary claims its address at once, in dump order: primaries go before any fallback to
      // auth_user.email (decide()), so another user's stale auth_user.email cannot take one.
      if (!this.chosen.has(id) && this.claim(id, address.email, address.verified, address.id)) this.authEmails.delete(id);
      return;
    }
    const auth = this.authEmails.get(id);
    if (auth !== undefined && identifierKey(auth) === identifierKey(address.email) && !this.authMatches.has(id)) {
      this.authMatches.set(id, { email: address.email, verified: address.verified, pk: address.id });
    }
  }

  /**
   * Gives the users still without an address their auth_user.email, unique by identifierKey
   * (the first in dump order wins), verified only if allauth has it as a verified row.
   */
  decide(): void {
    if (this.decided) return;
    this.decided = true;
    for (const [id, email] of this.authEmails) {
      if (this.chosen.has(id)) continue;
      const match = this.authMatches.get(id);
      this.claim(id, match?.email ?? email, match?.verified ?? false, match?.pk ?? null);
    }
    this.authEmails = new Map();
    this.authMatches = new Map();
  }

  private claim(id: number, email: string, verified: boolean, addressPk: number | null): boolean {
    const key = identifierKey(email);
    if (this.owners.has(key)) return false;
    this.owners.set(key, id);
    this.chosen.set(id, { email, verified, addressPk });
    return true;
  }
}
