// Parsers for single settings: each turns a raw string var into a typed value or a ConfigError naming it.
import type { Bindings } from "./config";

/** Thrown when a setting is missing or invalid; the message names the setting. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Prefix of the secrets `npm start` generates: production refuses any secret that starts with it. */
export const DEV_SECRET_PREFIX = "dev-insecure-";

export function readString(env: Bindings, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string") return JSON.stringify(raw);
  return raw;
}

/** A value parser: returns the parsed value or throws a message (without the setting's name). */
export type Parser<T> = (raw: string) => T;

export class Invalid extends Error {}

export function option<T>(env: Bindings, name: string, parse: Parser<T>, fallback: T): T {
  const raw = readString(env, name);
  if (raw === undefined || raw === "") return fallback;
  try {
    return parse(raw);
  } catch (error) {
    const reason = error instanceof Invalid ? error.message : "invalid value";
    throw new ConfigError(`${name}: ${reason} (got "${raw}")`);
  }
}

export const bool: Parser<boolean> = (raw) => {
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new Invalid("must be true or false");
};

export const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw)) throw new Invalid("must be a whole number");
    const value = Number(raw);
    if (value < min) throw new Invalid(`must be at least ${min}`);
    if (value > max) throw new Invalid(`must be at most ${max}`);
    return value;
  };

export const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    if (!(values as string[]).includes(raw)) throw new Invalid(`must be one of ${values.join(", ")}`);
    return raw as T;
  };

export const pattern =
  (regex: RegExp, message: string): Parser<string> =>
  (raw) => {
    if (!regex.test(raw)) throw new Invalid(message);
    return raw;
  };

export const text: Parser<string> = (raw) => raw;

/** A JSON array of strings, or a comma-separated list; each item checked by `item`. */
export const list =
  <T>(item: Parser<T>): Parser<T[]> =>
  (raw) => {
    let items: unknown;
    if (raw.trim().startsWith("[")) {
      try {
        items = JSON.parse(raw);
      } catch {
        throw new Invalid("must be a JSON array of strings");
      }
      if (!Array.isArray(items) || !items.every((entry) => typeof entry === "string")) {
        throw new Invalid("must be a JSON array of strings");
      }
    } else {
      items = raw.split(",").map((entry) => entry.trim()).filter(Boolean);
    }
    return (items as string[]).map(item);
  };

export const absoluteUrl: Parser<string> = (raw) => {
  try {
    const url = new URL(raw);
    if (url.protocol === "https:" || url.protocol === "http:") return raw;
  } catch {
    // reported below
  }
  throw new Invalid("must be an absolute http(s) URL");
};

export const origin: Parser<string> = (raw) => {
  try {
    const url = new URL(raw);
    if (url.protocol === "https:" || url.protocol === "http:") return url.origin;
  } catch {
    // reported below
  }
  throw new Invalid(`"${raw}" is not an http(s) origin`);
};

// RFC 6265 cookie-name token characters; attribute values must not break out of the header line.
export const cookieName = pattern(/^[\w!#$%&'*.^`|~+-]+$/, "must be a cookie name");
export const cookiePath = pattern(/^\/[^;,\s]*$/, "must be a path starting with /");
export const cookieDomain = pattern(/^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/, "must be a domain like example.com");
/** Browsers cap cookie lifetimes at 400 days; Hono refuses to write longer ones. */

/** Empirical Shannon entropy, in bits per symbol, of a list of symbols. */
function bitsPerSymbol(symbols: readonly (string | number)[]): number {
  const counts = new Map<string | number, number>();
  for (const symbol of symbols) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= (count / symbols.length) * Math.log2(count / symbols.length);
  return bits;
}

/**
 * A rough estimate of a secret's entropy in bits, to refuse obviously weak ones (32 identical
 * characters, `abcabc…`, `0123…`, a word repeated): the length of its shortest repeating block times
 * the lower of the empirical entropies of its characters and of the steps between neighbouring
 * characters (so runs like `abcdef` count for little). It undercounts short random strings (a random
 * 64-hex-digit key scores about 245, base64 of 32 random bytes about 230) and cannot prove a secret
 * random: it only refuses what is certainly not.
 */
export function estimateEntropyBits(secret: string): number {
  const chars = [...secret];
  let period = chars.length;
  for (let p = 1; p < chars.length; p++) {
    if (chars.length % p === 0 && chars.every((char, i) => char === chars[i % p])) {
      period = p;
      break;
    }
  }
  const block = chars.slice(0, period);
  const codes = block.map((char) => char.codePointAt(0)!);
  const steps = codes.slice(1).map((code, i) => code - codes[i]!);
  const perSymbol = Math.min(bitsPerSymbol(block), steps.length ? bitsPerSymbol(steps) : 0);
  return period * perSymbol;
}
