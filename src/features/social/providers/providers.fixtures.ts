// What the provider tests share: a fake web at the fetch boundary (routes, recorded requests, hanging calls),
// signing keys made in the test, deps over the real KV with a fake clock, and the SocialLoginError a call throws.
import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { expect, vi } from "vitest";
import { parseConfig } from "../../../config";
import type { Deps } from "../../../core/deps";
import * as schema from "../../../db/schema";
import { type SocialProviderConfig, SocialLoginError } from "./index";
import { replicaSession } from "../../../db/replica";

export interface Recorded {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
  signal: AbortSignal | null;
}

export type Handler = (request: Recorded) => Response | Promise<Response>;

/** Answers only when the caller gives up: the request's signal aborting rejects it, as a real hung socket would. */
export const hang: Handler = (request) =>
  new Promise<Response>((_, reject) => {
    if (!request.signal) return;
    request.signal.addEventListener("abort", () => reject(request.signal!.reason));
  });

/** The internet as the tests see it: routes by method + origin + path; anything else fails the test. */
export class FakeWeb {
  readonly requests: Recorded[] = [];
  private readonly routes = new Map<string, Handler>();

  on(method: string, url: string, handler: Handler): this {
    const { origin, pathname } = new URL(url);
    this.routes.set(`${method} ${origin}${pathname}`, handler);
    return this;
  }

  /** Requests made to `url` (origin + path; the query is ignored). */
  to(url: string, method?: string): Recorded[] {
    const { origin, pathname } = new URL(url);
    return this.requests.filter((r) => r.url.origin === origin && r.url.pathname === pathname && (!method || r.method === method));
  }

  install(): void {
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input as RequestInfo, init);
      const recorded: Recorded = {
        method: request.method,
        url: new URL(request.url),
        headers: request.headers,
        body: new TextDecoder().decode(await request.arrayBuffer()),
        signal: init?.signal ?? null,
      };
      this.requests.push(recorded);
      const handler = this.routes.get(`${recorded.method} ${recorded.url.origin}${recorded.url.pathname}`);
      if (!handler) throw new Error(`unexpected outbound request: ${recorded.method} ${recorded.url.href}`);
      return handler(recorded);
    });
  }
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** A controllable clock (ms). */
export const clock = {
  current: Date.UTC(2026, 11, 2, 12, 0, 0),
  now: () => clock.current,
  seconds: () => Math.floor(clock.current / 1000),
  advance(seconds: number) {
    clock.current += seconds * 1000;
  },
};

export interface TestKey {
  alg: "RS256" | "ES256" | "EdDSA";
  kid: string;
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
}

/** A signing key pair made in the test; `jwk` is its public half as a provider publishes it. */
export async function makeKey(alg: TestKey["alg"], kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** A JWT signed by `key` with `claims` (iat now, exp in an hour unless given). */
export function signToken(key: TestKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iat: clock.seconds(), exp: clock.seconds() + 3600, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey);
}

/** A JWKS route answering with the keys in `keys.current` (mutable, to rotate) and the given Cache-Control. */
export function jwksRoute(keys: { current: TestKey[] }, cacheControl = "public, max-age=3600"): Handler {
  return () => json({ keys: keys.current.map((key) => key.jwk) }, 200, { "cache-control": cacheControl });
}

/**
 * Deps as the app builds them, over the test's real KV and a fake clock, with SOCIAL_PROVIDERS set
 * to `providers`. `settle()` waits for deferred work (the KV cache writes).
 */
export function providerDeps(providers: Record<string, unknown>, vars: Record<string, string> = {}) {
  const config = parseConfig({
    DB: env.DB,
    TOKENS_KV: env.TOKENS_KV, THROTTLE: env.THROTTLE, USER_RATE_LIMITER: env.USER_RATE_LIMITER,
    JWT_SIGNING_KEY: "test-signing-key-0123456789abcdef0123456789abcdef",
    PUBLIC_BASE_URL: "https://api.example.test",
    SOCIAL_PROVIDERS: JSON.stringify(providers),
    ...vars,
  });
  const deps: Deps = {
    config,
    db: drizzle(env.DB, { schema }),
    kv: env.TOKENS_KV,
    now: () => clock.now(),
    defer: (work) => void pending.push(work),
    client: { ip: "203.0.113.9", userAgent: "vitest", country: null },
    replica: replicaSession(env.DB),
    throttle: null,
    userRateLimiter: null,
  };
  const provider = (id: string): SocialProviderConfig => {
    const found = config.socialProviders.get(id);
    if (!found) throw new Error(`no provider ${id}`);
    return found;
  };
  return { deps, provider, settle: () => Promise.all(pending.splice(0)) };
}

// Deferred work of every deps made here: a cache write of one test must land before the next test's clear.
const pending: Promise<unknown>[] = [];

/** Forgets every cached key set and discovery document (each test starts with a cold cache). */
export async function clearSocialCache(): Promise<void> {
  await Promise.allSettled(pending.splice(0));
  const { keys } = await env.TOKENS_KV.list({ prefix: "social:" });
  await Promise.all(keys.map((key) => env.TOKENS_KV.delete(key.name)));
}

/** The SocialLoginError `promise` rejects with (fails the test when it resolves or throws something else). */
export async function socialError(promise: Promise<unknown>): Promise<SocialLoginError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SocialLoginError);
    return error as SocialLoginError;
  }
  throw new Error("resolved where a SocialLoginError was expected");
}

/** console.warn lines logged while the test ran (and a check that no secret ever appears in them). */
export function captureWarnings(): { lines: string[]; assertFree(...secrets: string[]): void } {
  const lines: string[] = [];
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  return {
    lines,
    assertFree(...secrets: string[]) {
      for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
    },
  };
}
