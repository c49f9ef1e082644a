// SOCIAL_PROVIDERS (contract §2.5, §3): the JSON setting -> one checked SocialProviderConfig per routed provider.
import type { Bindings } from "./config";
import { ConfigError, readString } from "./config-values";
import type { SocialProviderConfig, SocialProviderKind } from "./features/social/providers/types";

const BUILT_IN: readonly SocialProviderKind[] = ["google", "github", "facebook", "apple", "microsoft", "x"];

/**
 * First path words of §2 under AUTH_PREFIX: a generic OIDC key equal to one would shadow an endpoint.
 * Kept in step with the declarations by test/config.social.test.ts.
 */
export const RESERVED_PATH_WORDS: ReadonlySet<string> = new Set([
  "login", "logout", "logout-all", "token", "refresh", "csrf", "user", "profile", "dashboard", "history", "email",
  "password", "registration", "socialaccounts", "sessions", "mfa", "docs", "openapi.json", ".well-known", "twitter",
  ...BUILT_IN,
]);

const OIDC_KEY = /^[a-z][a-z0-9-]{1,31}$/;

/** Fields each kind takes; anything else is refused so a typo ("client_secret") cannot silently drop a setting. */
const COMMON_FIELDS = ["client_id", "secret", "callback_url", "trust_email"];
const FIELDS: Record<SocialProviderKind, readonly string[]> = {
  google: COMMON_FIELDS,
  github: COMMON_FIELDS,
  facebook: COMMON_FIELDS,
  apple: [...COMMON_FIELDS, "team_id", "key_id", "private_key"],
  microsoft: [...COMMON_FIELDS, "tenant"],
  x: [...COMMON_FIELDS, "oauth2_client_id", "oauth2_secret"],
  oidc: [...COMMON_FIELDS, "type", "server_url"],
};

/** Settings without which a kind cannot verify anything. */
const REQUIRED_SECRET: ReadonlySet<SocialProviderKind> = new Set(["github", "facebook"]);

/** Kinds whose tokens are checked against one app (token API, debug_token, OAuth 1.0a consumer). */
const SINGLE_CLIENT: ReadonlySet<SocialProviderKind> = new Set(["github", "facebook", "x"]);

type Raw = Record<string, unknown>;

function fail(key: string, field: string | null, message: string): never {
  throw new ConfigError(`SOCIAL_PROVIDERS.${key}${field ? `.${field}` : ""}: ${message}`);
}

/** A non-empty string without surrounding blanks; secrets never appear in the message. */
function str(key: string, entry: Raw, field: string, required: boolean): string | null {
  const value = entry[field];
  if (value === undefined || value === null) {
    if (required) fail(key, field, "is required");
    return null;
  }
  if (typeof value !== "string" || value.trim() === "") fail(key, field, "must be a non-empty string");
  if (value !== value.trim()) fail(key, field, "has leading or trailing blanks");
  return value;
}

function clientIds(key: string, entry: Raw): string[] {
  const value = entry.client_id;
  const ids = typeof value === "string" ? [value] : value;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === "string" && id.trim() !== "" && id === id.trim())) {
    fail(key, "client_id", "is required: a non-empty string, or a non-empty list of them (the accepted audiences)");
  }
  return [...new Set(ids as string[])];
}

function callbackUrl(key: string, entry: Raw): string | null {
  const value = str(key, entry, "callback_url", false);
  // An absolute URL, a mobile app's custom scheme (com.example.app:/cb) or Google's "postmessage".
  if (value !== null && /\s/.test(value)) fail(key, "callback_url", "must be a redirect URI without blanks");
  return value;
}

function serverUrl(key: string, entry: Raw, production: boolean): string {
  const value = str(key, entry, "server_url", true)!;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(key, "server_url", `must be an absolute URL (the issuer), got "${value}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") fail(key, "server_url", `must be an http(s) URL, got "${value}"`);
  if (production && url.protocol !== "https:") fail(key, "server_url", "must be https:// with ENVIRONMENT=production");
  if (url.search || url.hash) fail(key, "server_url", "must be the issuer URL, without query or fragment");
  return value;
}

function appleKey(key: string, entry: Raw): SocialProviderConfig["apple"] {
  const teamId = str(key, entry, "team_id", false);
  const keyId = str(key, entry, "key_id", false);
  const privateKey = str(key, entry, "private_key", false);
  if (!teamId && !keyId && !privateKey) return null;
  if (!teamId || !keyId || !privateKey) fail(key, null, "team_id, key_id and private_key go together (code exchange signs Apple's client secret with them)");
  if (!/^[A-Z0-9]{10}$/.test(teamId)) fail(key, "team_id", "must be Apple's 10-character Team ID");
  if (!/^[A-Z0-9]{10}$/.test(keyId)) fail(key, "key_id", "must be Apple's 10-character Key ID");
  // Checked for shape here; the key is imported (and a bad one reported) on first use.
  const pem = privateKey.replace(/\\n/g, "\n");
  if (!/^-----BEGIN PRIVATE KEY-----\s+[A-Za-z0-9+/=\s]+-----END PRIVATE KEY-----\s*$/.test(pem)) {
    fail(key, "private_key", "must be the PKCS#8 PEM Apple issued (-----BEGIN PRIVATE KEY----- ...)");
  }
  return { teamId, keyId, privateKey: pem };
}

function parseEntry(key: string, entry: Raw, production: boolean): SocialProviderConfig {
  const builtIn = key === "twitter" ? "x" : (BUILT_IN as readonly string[]).includes(key) ? (key as SocialProviderKind) : null;
  let kind: SocialProviderKind;
  if (builtIn) {
    if (entry.type !== undefined) fail(key, "type", `is only for generic OpenID Connect entries; "${key}" is a built-in provider`);
    kind = builtIn;
  } else {
    if (entry.type !== "oidc") fail(key, null, `unknown provider; a generic OpenID Connect entry needs "type": "oidc" (built-in: ${BUILT_IN.join(", ")})`);
    if (!OIDC_KEY.test(key)) fail(key, null, "a generic provider's key must match ^[a-z][a-z0-9-]{1,31}$");
    if (RESERVED_PATH_WORDS.has(key)) fail(key, null, "is a path of the API and cannot name a provider");
    kind = "oidc";
  }
  for (const field of Object.keys(entry)) {
    if (!FIELDS[kind].includes(field)) fail(key, field, `unknown setting for ${kind === "oidc" ? "a generic OpenID Connect provider" : key} (allowed: ${FIELDS[kind].join(", ")})`);
  }
  if (entry.trust_email !== undefined && typeof entry.trust_email !== "boolean") fail(key, "trust_email", "must be true or false");
  const tenant = kind === "microsoft" ? (str(key, entry, "tenant", false) ?? "common") : null;
  // A tenant's domain name would need its discovery document to learn the tenant id tokens carry.
  if (tenant !== null && !/^(common|organizations|consumers|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.test(tenant)) {
    fail(key, "tenant", "must be common, organizations, consumers or a tenant id (a GUID)");
  }
  const ids = clientIds(key, entry);
  // One app, one secret: several ids only make sense as id_token audiences.
  if (ids.length > 1 && SINGLE_CLIENT.has(kind)) fail(key, "client_id", `${key} takes one client_id (its app's), not a list`);
  const oauth2ClientId = kind === "x" ? str(key, entry, "oauth2_client_id", false) : null;
  const oauth2Secret = kind === "x" ? str(key, entry, "oauth2_secret", false) : null;
  if (oauth2Secret && !oauth2ClientId) fail(key, "oauth2_secret", "needs oauth2_client_id");
  return {
    id: kind === "x" ? "x" : key,
    kind,
    clientIds: ids,
    secret: str(key, entry, "secret", REQUIRED_SECRET.has(kind)),
    callbackUrl: callbackUrl(key, entry),
    trustEmail: entry.trust_email === true,
    apple: kind === "apple" ? appleKey(key, entry) : null,
    tenant,
    serverUrl: kind === "oidc" ? serverUrl(key, entry, production) : null,
    x: kind === "x" && oauth2ClientId ? { oauth2ClientId, oauth2Secret } : null,
  };
}

/** Parses SOCIAL_PROVIDERS (default `{}`): provider id -> settings, in the order given. */
export function parseSocialProviders(env: Bindings, production: boolean): ReadonlyMap<string, SocialProviderConfig> {
  const raw = readString(env, "SOCIAL_PROVIDERS");
  const providers = new Map<string, SocialProviderConfig>();
  if (raw === undefined || raw.trim() === "") return providers;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // The raw value holds secrets: never echoed.
    throw new ConfigError("SOCIAL_PROVIDERS: must be a JSON object of provider -> settings (not valid JSON)");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new ConfigError("SOCIAL_PROVIDERS: must be a JSON object of provider -> settings");
  for (const [key, entry] of Object.entries(parsed as Raw)) {
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) fail(key, null, "must be an object of settings");
    const provider = parseEntry(key, entry as Raw, production);
    if (providers.has(provider.id)) fail(key, null, `"twitter" and "x" name the same provider; keep one`);
    providers.set(provider.id, provider);
  }
  return providers;
}
