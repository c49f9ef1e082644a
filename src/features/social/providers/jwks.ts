// Provider key sets (JWKS) cached in KV for their Cache-Control max-age; an unknown kid refetches once, with a cooldown.
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { type Cached, MIN_KV_TTL_SECONDS, readCached, writeCached } from "./cache";
import { callProvider, fail, type ProviderContext } from "./http";

/** Bounds on a key set's cache lifetime: KV keeps nothing under 60 s, and a day is plenty for keys that rotate. */
const MIN_TTL_SECONDS = MIN_KV_TTL_SECONDS;
const MAX_TTL_SECONDS = 86_400;
/** Without a max-age (or with no-cache/no-store) the set is kept this long. */
const DEFAULT_TTL_SECONDS = 3600;
/** Least time between two fetches of one set when the reason is an unknown kid (contract §2.5: up to 30 s). */
export const KID_REFETCH_COOLDOWN_SECONDS = 30;

type KeySet = JSONWebKeySet["keys"];

/** An array of JWK objects (each with a kty): jose would refuse anything else, and that is the provider's fault, not the token's. */
const isKeySet = (value: unknown): value is KeySet =>
  Array.isArray(value) && value.every((key) => !!key && typeof key === "object" && typeof (key as { kty?: unknown }).kty === "string");

/** Seconds to keep a set: its Cache-Control max-age, bounded. */
export function keySetTtl(cacheControl: string | null): number {
  const match = cacheControl ? /(?:^|[,\s])max-age=(\d+)/i.exec(cacheControl) : null;
  const seconds = match ? Number(match[1]) : DEFAULT_TTL_SECONDS;
  return Math.min(MAX_TTL_SECONDS, Math.max(MIN_TTL_SECONDS, seconds));
}

async function fetchKeySet(ctx: ProviderContext, uri: string): Promise<Cached<KeySet>> {
  ctx.jwksFetched.add(uri);
  const answer = await callProvider(ctx, uri, { headers: { accept: "application/json" } }, { what: "JWKS", rejectedAs: "upstream" });
  const body = answer.body as { keys?: unknown } | null;
  if (!body || !isKeySet(body.keys)) fail(ctx, "upstream", "JWKS answered without an array of keys");
  return writeCached(ctx, "jwks", uri, body.keys, keySetTtl(answer.headers.get("cache-control")));
}

/** Whether a jose failure means "no key in this set fits the token" (the case a refetch may cure). */
function isNoMatchingKey(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "ERR_JWKS_NO_MATCHING_KEY";
}

/**
 * Runs `use` with the provider's key set: the cached one while fresh, else a fetched one. When no key
 * fits the token's kid, the set is fetched once more, unless this verification already fetched it or
 * the last fetch is under KID_REFETCH_COOLDOWN_SECONDS old (a stream of made-up kids costs one fetch).
 */
export async function withKeySet<T>(ctx: ProviderContext, uri: string, use: (keys: JWTVerifyGetKey) => Promise<T>): Promise<T> {
  let set = (await readCached(ctx, "jwks", uri, isKeySet)) ?? (await fetchKeySet(ctx, uri));
  try {
    return await use(createLocalJWKSet({ keys: set.value }));
  } catch (error) {
    if (!isNoMatchingKey(error)) throw error;
    const coolingDown = ctx.deps.now() - set.fetchedAt < KID_REFETCH_COOLDOWN_SECONDS * 1000;
    if (ctx.jwksFetched.has(uri) || coolingDown) throw error;
    set = await fetchKeySet(ctx, uri);
    return use(createLocalJWKSet({ keys: set.value }));
  }
}
