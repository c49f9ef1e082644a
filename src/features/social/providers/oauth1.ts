// OAuth 1.0a request signing (RFC 5849 §3.4, HMAC-SHA1), for X's account/verify_credentials.
import { encodeBase64, randomBytes, utf8 } from "../../../crypto/bytes";
import { toHex } from "../../../crypto/hmac";

/** RFC 5849 §3.6: percent-encode everything but unreserved characters (encodeURIComponent leaves !'()* as is). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** §3.4.1.2: scheme and host lower-case, default port dropped, no query or fragment. */
export function baseStringUri(url: URL): string {
  const defaultPort = (url.protocol === "http:" && url.port === "80") || (url.protocol === "https:" && url.port === "443");
  const port = url.port && !defaultPort ? `:${url.port}` : "";
  return `${url.protocol.toLowerCase()}//${url.hostname.toLowerCase()}${port}${url.pathname}`;
}

/**
 * §3.4.1: METHOD & encoded base URI & encoded normalized parameters, where the parameters are the
 * query's, the form body's and the oauth_* ones (without oauth_signature), each name and value
 * encoded, sorted by name then value, joined name=value with &.
 */
export function signatureBaseString(method: string, url: URL, params: ReadonlyArray<readonly [string, string]>): string {
  const pairs = params.map(([name, value]) => [percentEncode(name), percentEncode(value)] as const);
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const normalized = pairs.map(([name, value]) => `${name}=${value}`).join("&");
  return `${method.toUpperCase()}&${percentEncode(baseStringUri(url))}&${percentEncode(normalized)}`;
}

/** §3.4.2: base64 HMAC-SHA1 of the base string, keyed by encoded consumer secret & encoded token secret. */
export async function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8(`${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  return encodeBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(baseString))));
}

export interface OAuth1Credentials {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

/**
 * The Authorization header of a signed request (§3.5.1) with no body parameters. `nonce` and
 * `timestamp` are given by tests; otherwise a random nonce and the clock's seconds.
 */
export async function oauth1Header(
  method: string,
  url: URL,
  credentials: OAuth1Credentials,
  options: { nowMs: number; nonce?: string },
): Promise<string> {
  const oauth: Array<[string, string]> = [
    ["oauth_consumer_key", credentials.consumerKey],
    ["oauth_nonce", options.nonce ?? toHex(randomBytes(16))],
    ["oauth_signature_method", "HMAC-SHA1"],
    ["oauth_timestamp", String(Math.floor(options.nowMs / 1000))],
    ["oauth_token", credentials.token],
    ["oauth_version", "1.0"],
  ];
  const query = [...url.searchParams.entries()];
  const base = signatureBaseString(method, url, [...query, ...oauth]);
  const signature = await hmacSha1Signature(base, credentials.consumerSecret, credentials.tokenSecret);
  const fields = [...oauth, ["oauth_signature", signature] as const].map(([name, value]) => `${percentEncode(name)}="${percentEncode(value)}"`);
  return `OAuth ${fields.join(", ")}`;
}
