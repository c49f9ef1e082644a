// JWT access/refresh tokens (jose), token families, rotation with reuse detection, revocation.
import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
import { type JWTPayload, jwtVerify, type JWTVerifyGetKey, SignJWT } from "jose";
import { importHmacKey, toHex } from "../crypto/hmac";
import { type TokenFamily, tokenFamilies, users } from "../db/schema";
import { prepared } from "../db/prepared";
import { onSession } from "../db/replica";
import type { Database, Deps } from "./deps";
import { recordEvent } from "./events";
import { asymmetricKeys } from "./signing-keys";

export type TokenType = "access" | "refresh";

export interface TokenClaims {
  token_type: TokenType;
  exp: number;
  iat: number;
  jti: string;
  user_id: string;
  fam: string;
}

export interface TokenPair {
  access: string;
  refresh: string;
  /** Unix seconds. */
  accessExp: number;
  refreshExp: number;
}

/** Why a refresh attempt failed; each maps to one contract error. */
export type RefreshFailure = "invalid" | "no_active_account" | "session_expired";

const HEX32 = /^[0-9a-f]{32}$/;

function newTokenId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}

async function signToken(
  deps: Deps,
  type: TokenType,
  userId: number,
  family: string,
  jti: string,
  exp: number,
  iat = Math.floor(deps.now() / 1000),
): Promise<string> {
  const jwt = new SignJWT({ token_type: type, jti, user_id: String(userId), fam: family }).setIssuedAt(iat).setExpirationTime(exp);
  const { config } = deps;
  if (config.jwtAlgorithm === "HS256") return jwt.setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(await importHmacKey(config.jwtSigningKey));
  // The kid tells verifiers (our JWKS readers) which published key to check it with.
  const { signing } = await asymmetricKeys(config);
  return jwt.setProtectedHeader({ alg: config.jwtAlgorithm, typ: "JWT", kid: signing.kid }).sign(signing.key);
}

/** The public key a token's `kid` names; an unknown or missing kid fails verification. */
const byKid =
  (keys: ReadonlyMap<string, CryptoKey>): JWTVerifyGetKey =>
  (header) => {
    const key = header.kid === undefined ? undefined : keys.get(header.kid);
    if (!key) throw new TypeError("no such key");
    return key;
  };

/**
 * Signature with the configured algorithm only (pinned: no alg:none, no HS256 token under ES256), exp
 * and the registered claims; throws for a bad token. The keys are fetched outside the verification so
 * that a broken JWT_PRIVATE_KEYS surfaces as the 500 it is, not as every token being invalid.
 */
async function verifySignature(deps: Deps, token: string): Promise<JWTPayload | null> {
  const { config } = deps;
  const options = {
    algorithms: [config.jwtAlgorithm],
    currentDate: new Date(deps.now()),
    clockTolerance: config.jwtLeeway,
    requiredClaims: ["exp", "iat", "jti"],
  };
  if (config.jwtAlgorithm === "HS256") {
    const key = await importHmacKey(config.jwtSigningKey);
    return verified(jwtVerify(token, key, options));
  }
  const getKey = byKid((await asymmetricKeys(config)).verifying);
  return verified(jwtVerify(token, getKey, options));
}

/** The payload, or null when jose refused the token. */
async function verified(result: Promise<{ payload: JWTPayload }>): Promise<JWTPayload | null> {
  try {
    return (await result).payload;
  } catch {
    return null;
  }
}

/**
 * Access tokens whose signature and claims checked out, per config (so per key set), by token string:
 * a client sends the same access token with every request of its life, and the signature check of
 * the same bytes under the same keys can only give the same answer. Expiry is checked on every use;
 * revocation is not a property of the token and is never cached (the session check reads D1). Bounded:
 * the oldest entries go first.
 */
const verifiedAccess = new WeakMap<Deps["config"], Map<string, TokenClaims>>();
const VERIFIED_ACCESS_MAX = 512;

function rememberedAccess(deps: Deps, token: string): TokenClaims | undefined {
  const claims = verifiedAccess.get(deps.config)?.get(token);
  // jose's rule: expired once exp <= now - leeway.
  return claims && claims.exp > Math.floor(deps.now() / 1000) - deps.config.jwtLeeway ? claims : undefined;
}

function rememberAccess(deps: Deps, token: string, claims: TokenClaims): void {
  let tokens = verifiedAccess.get(deps.config);
  if (!tokens) verifiedAccess.set(deps.config, (tokens = new Map()));
  if (tokens.size >= VERIFIED_ACCESS_MAX) tokens.delete(tokens.keys().next().value!);
  tokens.set(token, claims);
}

/** Signature, algorithm (pinned), exp and claim shapes; null for anything else. No revocation check. */
export async function decodeToken(deps: Deps, token: string, expected?: TokenType): Promise<TokenClaims | null> {
  if (typeof token !== "string" || token.length > 4096 || token.split(".").length !== 3) return null;
  if (expected !== "refresh") {
    const known = rememberedAccess(deps, token);
    if (known) return known;
  }
  const claims = (await verifySignature(deps, token)) as Partial<TokenClaims> | null;
  if (!claims) return null;
  if (claims.token_type !== "access" && claims.token_type !== "refresh") return null;
  if (expected && claims.token_type !== expected) return null;
  if (typeof claims.jti !== "string" || !HEX32.test(claims.jti)) return null;
  if (typeof claims.fam !== "string" || !HEX32.test(claims.fam)) return null;
  if (typeof claims.user_id !== "string" || !/^\d{1,15}$/.test(claims.user_id)) return null;
  if (claims.token_type === "access") rememberAccess(deps, token, claims as TokenClaims);
  return claims as TokenClaims;
}

function refreshExpiry(deps: Deps): number {
  return Math.floor(deps.now() / 1000) + deps.config.refreshTokenLifetime;
}

/**
 * A fresh access token and the refresh token `refreshJti`. `refreshIat` (Unix seconds) lets the reuse
 * interval re-sign the family's current refresh token with the same claims: byte for byte under HS256
 * and EdDSA (deterministic signatures), with another valid signature under ES256 (ECDSA is randomized).
 */
async function signPair(
  deps: Deps,
  userId: number,
  family: string,
  refreshJti: string,
  refreshExp: number,
  refreshIat?: number,
): Promise<TokenPair> {
  const accessExp = Math.floor(deps.now() / 1000) + deps.config.accessTokenLifetime;
  const [access, refresh] = await Promise.all([
    signToken(deps, "access", userId, family, newTokenId(), accessExp),
    signToken(deps, "refresh", userId, family, refreshJti, refreshExp, refreshIat),
  ]);
  return { access, refresh, accessExp, refreshExp };
}

/**
 * Starts a family (a session). Returns the insert un-run, so the caller can put it in the same D1
 * batch as its other writes, and `sign` for the first pair once the user id is known.
 * `userId` may be a subquery when the user row is inserted in the same batch.
 */
export function prepareNewFamily(deps: Deps, userId: number | SQL) {
  const family = newTokenId();
  const jti = newTokenId();
  const refreshExp = refreshExpiry(deps);
  const now = deps.now();
  const insert = deps.db.insert(tokenFamilies).values({
    id: family,
    userId,
    currentJti: jti,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: refreshExp * 1000,
    ip: deps.client.ip,
    userAgent: deps.client.userAgent,
    country: deps.client.country,
  });
  const sign = (id: number): Promise<TokenPair> => signPair(deps, id, family, jti, refreshExp);
  return { family, insert, sign };
}

const denylistKey = (jti: string) => `denylist:${jti}`;

/**
 * KV denylist entry that lives exactly as long as the token could. Written after the response and
 * read by nothing here: D1's family row (current and previous jti, revocation) decides every refresh,
 * logout and verify, because KV is eventually consistent (up to 60 s) and its read would be a round
 * trip before the one D1 needs anyway. The entry is the contract's record of spent tokens (§1.4) for
 * whoever else reads the namespace; ARCHITECTURE.md, "Round-trip budget", says what it costs.
 */
function denylist(deps: Deps, claims: TokenClaims, reason: "rotated" | "logout"): Promise<void> {
  const ttl = Math.max(60, claims.exp - Math.floor(deps.now() / 1000) + deps.config.jwtLeeway);
  return deps.kv.put(denylistKey(claims.jti), reason, { expirationTtl: ttl });
}

/** Revokes one family (idempotent). Returns true when this call revoked it. */
async function revokeFamily(deps: Deps, family: string, reason: string): Promise<boolean> {
  const rows = await deps.db
    .update(tokenFamilies)
    .set({ revokedAt: deps.now(), revokedReason: reason })
    .where(and(eq(tokenFamilies.id, family), isNull(tokenFamilies.revokedAt)))
    .returning({ id: tokenFamilies.id });
  return rows.length > 0;
}

/** The un-run statement that revokes every live family of a user, optionally sparing one. */
export function revokeUserFamiliesStatement(deps: Deps, userId: number, reason: string, except?: string) {
  const conditions = [eq(tokenFamilies.userId, userId), isNull(tokenFamilies.revokedAt)];
  if (except) conditions.push(sql`${tokenFamilies.id} <> ${except}`);
  return deps.db
    .update(tokenFamilies)
    .set({ revokedAt: deps.now(), revokedReason: reason })
    .where(and(...conditions));
}

/** A rotated refresh token came back: end the whole family and say so in the history. */
async function handleReuse(deps: Deps, claims: TokenClaims): Promise<void> {
  // Recorded once: replays into an already revoked family change nothing.
  if (await revokeFamily(deps, claims.fam, "reuse")) {
    recordEvent(deps, Number(claims.user_id), "refresh_reuse_detected", { family: claims.fam });
  }
}

/**
 * The check of every check-and-set: the presented token (placeholders `family`, `userId`, `jti`)
 * is its live family's current one.
 */
const presentedTokenIsCurrent = () =>
  and(
    eq(tokenFamilies.id, sql.placeholder("family")),
    eq(tokenFamilies.userId, sql.placeholder("userId")),
    eq(tokenFamilies.currentJti, sql.placeholder("jti")),
    isNull(tokenFamilies.revokedAt),
  );

/** The placeholder values of presentedTokenIsCurrent for `claims`. */
const presented = (claims: TokenClaims) => ({ family: claims.fam, userId: Number(claims.user_id), jti: claims.jti });

/**
 * The presented token is the one the family's current token replaced, at most REFRESH_REUSE_INTERVAL
 * seconds ago: an overlapping refresh of the same client (several tabs, a refresh before every
 * request), not a thief. An older ancestor never qualifies.
 */
function isPreviousWithinInterval(deps: Deps, family: TokenFamily, claims: TokenClaims): boolean {
  const interval = deps.config.refreshReuseInterval * 1000;
  return (
    interval > 0 &&
    family.previousJti === claims.jti &&
    family.rotatedAt !== null &&
    deps.now() - family.rotatedAt <= interval &&
    family.expiresAt > deps.now()
  );
}

type FamilyVerdict = { ok: true; family: TokenFamily } | { ok: false; reason: RefreshFailure };

/**
 * The slow path, after a check-and-set on the family failed: is the presented
 * token still good (the current one, or the previous one within the reuse interval), and if not, why.
 * Reuse of any other rotated token revokes the family here.
 */
async function inspectFamily(deps: Deps, claims: TokenClaims): Promise<FamilyVerdict> {
  const family = await deps.db.query.tokenFamilies.findFirst({ where: eq(tokenFamilies.id, claims.fam) });
  if (!family) {
    // Deleting a user cascades to its families; the contract still answers no_active_account then.
    const owner = await deps.db.query.users.findFirst({ where: eq(users.id, Number(claims.user_id)), columns: { id: true } });
    return { ok: false, reason: owner ? "invalid" : "no_active_account" };
  }
  if (family.userId !== Number(claims.user_id) || family.revokedAt !== null) return { ok: false, reason: "invalid" };
  if (family.currentJti !== claims.jti && !isPreviousWithinInterval(deps, family, claims)) {
    // D1 knows the family moved on even before the KV denylist has propagated.
    await handleReuse(deps, claims);
    return { ok: false, reason: "invalid" };
  }
  const sessionLifetime = deps.config.sessionLifetime;
  if (sessionLifetime !== null && family.createdAt + sessionLifetime * 1000 <= deps.now()) {
    await revokeFamily(deps, claims.fam, "session_expired");
    return { ok: false, reason: "session_expired" };
  }
  const user = await deps.db.query.users.findFirst({ where: eq(users.id, family.userId), columns: { isActive: true } });
  if (!user?.isActive) return { ok: false, reason: "no_active_account" };
  return { ok: true, family };
}

/** The check-and-set of rotation, prepared once per isolate (it runs on every refresh). */
const rotateFamily = (db: Database) =>
  db
    .update(tokenFamilies)
    .set({
      // SET expressions read the row as it was: the replaced jti becomes the previous one.
      previousJti: sql`${tokenFamilies.currentJti}`,
      rotatedAt: sql`${sql.placeholder("now")}`,
      currentJti: sql`${sql.placeholder("nextJti")}`,
      lastUsedAt: sql`${sql.placeholder("now")}`,
      expiresAt: sql`${sql.placeholder("expiresAt")}`,
    })
    .where(
      and(
        presentedTokenIsCurrent(),
        sql`${tokenFamilies.createdAt} > ${sql.placeholder("createdAfter")}`,
        sql`exists (select 1 from ${users} where ${users.id} = ${tokenFamilies.userId} and ${users.isActive} = 1)`,
      ),
    )
    .returning({ id: tokenFamilies.id })
    .prepare();

/**
 * Rotates a refresh token: one atomic UPDATE ... WHERE current_jti = presented jti, so of concurrent
 * requests with the same token exactly one rotates. The others find their token as the family's
 * previous one and, within REFRESH_REUSE_INTERVAL, get the winner's refresh token (same jti, exp and,
 * but under ES256, bytes) with a fresh access token; outside it, or with an older token, they are reuse.
 */
export async function rotateRefreshToken(
  deps: Deps,
  token: string,
): Promise<{ ok: true; tokens: TokenPair; userId: number } | { ok: false; reason: RefreshFailure }> {
  const claims = await decodeToken(deps, token, "refresh");
  if (!claims) return { ok: false, reason: "invalid" };
  const userId = Number(claims.user_id);
  const now = deps.now();
  // The hot path is this one statement on the primary: a token that is not its family's current one
  // fails it and is sorted out below (reuse interval, reuse, revoked, expired).
  const nextJti = newTokenId();
  const refreshExp = refreshExpiry(deps);
  const sessionLifetime = deps.config.sessionLifetime;
  const rows = await prepared(deps.db, rotateFamily).all({
    nextJti,
    now,
    expiresAt: refreshExp * 1000,
    ...presented(claims),
    // Without SESSION_LIFETIME every family qualifies (created_at > -1).
    createdAfter: sessionLifetime === null ? -1 : now - sessionLifetime * 1000,
  });
  if (rows.length > 0) {
    deps.defer(denylist(deps, claims, "rotated"));
    const tokens = await signPair(deps, userId, claims.fam, nextJti, refreshExp, Math.floor(now / 1000));
    return { ok: true, userId, tokens };
  }
  const verdict = await inspectFamily(deps, claims);
  if (!verdict.ok) return verdict;
  const { family } = verdict;
  // The current token failed the check-and-set although the family says it holds: a state that a
  // concurrent change (revocation, deactivation) passed through; refuse rather than guess.
  if (family.currentJti === claims.jti || family.rotatedAt === null) return { ok: false, reason: "invalid" };
  const tokens = await signPair(deps, userId, claims.fam, family.currentJti, family.expiresAt / 1000, Math.floor(family.rotatedAt / 1000));
  return { ok: true, userId, tokens };
}

const revokeForLogout = (db: Database) =>
  db
    .update(tokenFamilies)
    .set({ revokedAt: sql`${sql.placeholder("now")}`, revokedReason: "logout" })
    .where(presentedTokenIsCurrent())
    .returning({ id: tokenFamilies.id })
    .prepare();

/**
 * Logout with a refresh token: denylists it and revokes its family. `bearerUserId` (when a valid
 * access token came along) must own the refresh token. The family's previous token within the reuse
 * interval logs out too: it belongs to the same client as the current one.
 */
export async function logoutWithRefreshToken(deps: Deps, token: string, bearerUserId: number | null): Promise<boolean> {
  const claims = await decodeToken(deps, token, "refresh");
  if (!claims) return false;
  const userId = Number(claims.user_id);
  if (bearerUserId !== null && bearerUserId !== userId) return false;
  const rows = await prepared(deps.db, revokeForLogout).all({ ...presented(claims), now: deps.now() });
  if (rows.length === 0) {
    const verdict = await inspectFamily(deps, claims);
    if (!verdict.ok || verdict.family.currentJti === claims.jti) return false;
    if (!(await revokeFamily(deps, claims.fam, "logout"))) return false;
  }
  deps.defer(denylist(deps, claims, "logout"));
  recordEvent(deps, userId, "logout", { session: claims.fam });
  return true;
}

/** The token's user and, when it exists, its family: one query, LEFT JOIN as in http/auth.ts. */
const verifyState = (db: Database) =>
  db
    .select({
      isActive: users.isActive,
      familyUserId: tokenFamilies.userId,
      revokedAt: tokenFamilies.revokedAt,
      currentJti: tokenFamilies.currentJti,
    })
    .from(users)
    .leftJoin(tokenFamilies, eq(tokenFamilies.id, sql.placeholder("family")))
    .where(eq(users.id, sql.placeholder("userId")))
    .limit(1)
    .prepare();

/**
 * token/verify: any valid token of an active user (a deleted or deactivated user's token fails here
 * as it does on protected endpoints); refresh tokens must be the family's current one, families alive.
 * Read-only, so a read replica answers; the primary is asked only when the replica lacks the user or
 * family (a sign-up or login moments ago) or names another current token (a rotation it has not seen
 * yet). A token the replica still shows current or live may have been rotated or revoked as long as
 * it lags: verify grants nothing, and refresh itself decides on the primary.
 */
export async function verifyAnyToken(deps: Deps, token: string): Promise<boolean> {
  const claims = await decodeToken(deps, token);
  if (!claims) return false;
  const query = prepared(deps.db, verifyState);
  const values = { family: claims.fam, userId: Number(claims.user_id) };
  let state = await onSession(query, deps.replica()).get(values);
  if (!state || state.familyUserId === null || (claims.token_type === "refresh" && state.revokedAt === null && state.currentJti !== claims.jti)) {
    state = await query.get(values);
  }
  if (!state || !state.isActive) return false;
  if (claims.token_type === "access" && !deps.config.accessTokenSessionCheck) return true;
  if (state.familyUserId === null || state.familyUserId !== Number(claims.user_id)) return false;
  if (state.revokedAt !== null) return false;
  return claims.token_type === "access" || state.currentJti === claims.jti;
}
