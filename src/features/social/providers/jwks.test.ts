// id_token checks shared by every OIDC provider (through Google): the JWKS cache, key rotation, the kid cooldown,
// algorithms, signatures and time claims.
import { env } from "cloudflare:test";
import { generateKeyPair, SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GOOGLE } from "./google";
import { verifySocialCredential } from "./index";
import { KID_REFETCH_COOLDOWN_SECONDS, keySetTtl } from "./jwks";
import { captureWarnings, clearSocialCache, clock, FakeWeb, json, jwksRoute, makeKey, providerDeps, signToken, socialError, type TestKey } from "./providers.fixtures";

const CLIENT = "web-client.apps.googleusercontent.com";
const settings = { google: { client_id: CLIENT } };
const claims = (extra: Record<string, unknown> = {}) => ({ iss: "https://accounts.google.com", aud: CLIENT, sub: "42", ...extra });

let web: FakeWeb;
let keys: { current: TestKey[] };
let key: TestKey;

async function setUp(cacheControl?: string) {
  keys = { current: [key] };
  web = new FakeWeb();
  web.on("GET", GOOGLE.jwksUri, jwksRoute(keys, cacheControl));
  web.install();
}

beforeEach(async () => {
  await clearSocialCache();
  key = await makeKey("RS256", "k1");
});
afterEach(() => vi.restoreAllMocks());

async function verify(token: string) {
  const { deps, provider, settle } = providerDeps(settings);
  try {
    return await verifySocialCredential(deps, provider("google"), { id_token: token });
  } finally {
    await settle();
  }
}

describe("JWKS cache", () => {
  it("keeps the key set in KV for its max-age, then fetches it again", async () => {
    await setUp("public, max-age=600, must-revalidate");
    await verify(await signToken(key, claims()));
    await verify(await signToken(key, claims()));
    expect(web.to(GOOGLE.jwksUri)).toHaveLength(1);
    clock.advance(599);
    await verify(await signToken(key, claims()));
    expect(web.to(GOOGLE.jwksUri)).toHaveLength(1);
    clock.advance(2);
    await verify(await signToken(key, claims()));
    expect(web.to(GOOGLE.jwksUri)).toHaveLength(2);
  });

  it("treats an unreadable KV as a miss: the login still works from a fresh fetch", async () => {
    await setUp();
    const { deps, provider } = providerDeps(settings);
    const broken = { ...deps, kv: { ...deps.kv, get: () => Promise.reject(new Error("KV GET failed: 503")), put: () => Promise.resolve() } as unknown as KVNamespace };
    const log = captureWarnings();
    expect((await verifySocialCredential(broken, provider("google"), { id_token: await signToken(key, claims()) })).uid).toBe("42");
    expect(log.lines).toEqual(["social google: jwks cache unreadable (Error), fetching"]);
    expect(web.to(GOOGLE.jwksUri)).toHaveLength(1);
  });

  it("bounds the lifetime: at least a minute, at most a day, an hour without max-age", () => {
    expect(keySetTtl("max-age=5")).toBe(60);
    expect(keySetTtl("public, max-age=21600")).toBe(21600);
    expect(keySetTtl("max-age=9999999")).toBe(86400);
    expect(keySetTtl(null)).toBe(3600);
    expect(keySetTtl("no-cache")).toBe(3600);
  });
});

describe("key rotation", () => {
  it("refetches once on an unknown kid and verifies with the new key", async () => {
    await setUp();
    await verify(await signToken(key, claims()));
    clock.advance(KID_REFETCH_COOLDOWN_SECONDS + 1);
    const rotated = await makeKey("RS256", "k2");
    keys.current = [rotated];
    const identity = await verify(await signToken(rotated, claims()));
    expect(identity.uid).toBe("42");
    expect(web.to(GOOGLE.jwksUri)).toHaveLength(2);
    // The new set is cached: the next token of k2 costs no fetch.
    await verify(await signToken(rotated, claims()));
    expect(web.to(GOOGLE.jwksUri)).toHaveLength(2);
  });

  it("fetches a cold set once per request even when the kid stays unknown", async () => {
    await setUp();
    const stranger = await makeKey("RS256", "nobody-knows-me");
    captureWarnings();
    const error = await socialError(verify(await signToken(stranger, claims())));
    expect(error.kind).toBe("invalid");
    expect(web.to(GOOGLE.jwksUri)).toHaveLength(1);
  });

  it("does not refetch within the cooldown: a stream of made-up kids costs one fetch", async () => {
    await setUp();
    await verify(await signToken(key, claims()));
    clock.advance(KID_REFETCH_COOLDOWN_SECONDS + 1);
    const log = captureWarnings();
    for (let i = 0; i < 5; i++) {
      const sprayed = await makeKey("RS256", `spray-${i}`);
      expect((await socialError(verify(await signToken(sprayed, claims())))).kind).toBe("invalid");
      clock.advance(1);
    }
    expect(web.to(GOOGLE.jwksUri)).toHaveLength(2);
    expect(log.lines[0]).toContain("ERR_JWKS_NO_MATCHING_KEY");
  });

  it("answers upstream for a key set that is not an array of keys", async () => {
    keys = { current: [] };
    web = new FakeWeb();
    web.on("GET", GOOGLE.jwksUri, () => json({ keys: [1, "two"] }));
    web.install();
    const log = captureWarnings();
    expect((await socialError(verify(await signToken(key, claims())))).kind).toBe("upstream");
    expect(log.lines).toEqual(["social google: JWKS answered without an array of keys -> upstream"]);
  });

  it("keys a cached document by a digest when its URL is too long for a KV key", async () => {
    const long = `https://id.example.test/${"realm/".repeat(90)}`;
    const document = { issuer: long, jwks_uri: `${long}certs` };
    web = new FakeWeb();
    web.on("GET", `${long}.well-known/openid-configuration`, () => json(document));
    web.on("GET", `${long}certs`, jwksRoute({ current: [key] }));
    web.install();
    const { deps, provider, settle } = providerDeps({ longidp: { type: "oidc", server_url: long, client_id: "c" } });
    const token = await signToken(key, { iss: long, aud: "c", sub: "7" });
    expect((await verifySocialCredential(deps, provider("longidp"), { id_token: token })).uid).toBe("7");
    await settle();
    const { keys: stored } = await env.TOKENS_KV.list({ prefix: "social:" });
    expect(stored.map((k) => k.name).sort()).toEqual([expect.stringMatching(/^social:jwks:sha256:[\w-]{43}$/), expect.stringMatching(/^social:oidc:sha256:[\w-]{43}$/)]);
    expect((await verifySocialCredential(deps, provider("longidp"), { id_token: token })).uid).toBe("7");
    expect(web.requests).toHaveLength(2);
  });

  it("answers upstream when the key set cannot be fetched", async () => {
    keys = { current: [] };
    web = new FakeWeb();
    web.on("GET", GOOGLE.jwksUri, () => new Response("oops", { status: 503 }));
    web.install();
    const log = captureWarnings();
    const error = await socialError(verify(await signToken(key, claims())));
    expect(error.kind).toBe("upstream");
    expect(error.message).toBe("Upstream provider error.");
    expect(log.lines).toEqual(["social google: JWKS answered 503 -> upstream"]);
  });
});

describe("signatures and algorithms", () => {
  it("accepts RS256, ES256 and EdDSA keys", async () => {
    const es = await makeKey("ES256", "es");
    const ed = await makeKey("EdDSA", "ed");
    await setUp();
    keys.current = [key, es, ed];
    for (const signer of [key, es, ed]) expect((await verify(await signToken(signer, claims()))).uid).toBe("42");
  });

  it("refuses a token signed by another key under a published kid", async () => {
    await setUp();
    const impostor = await makeKey("RS256", "k1");
    captureWarnings();
    const error = await socialError(verify(await signToken(impostor, claims())));
    expect(error.kind).toBe("invalid");
  });

  it("refuses HS256 (even keyed with a published key's bytes), none, and an unlisted RS512", async () => {
    await setUp();
    const log = captureWarnings();
    const hs = await new SignJWT(claims({ iat: clock.seconds(), exp: clock.seconds() + 60 }))
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .sign(new TextEncoder().encode(JSON.stringify(key.jwk)));
    const none = `${btoa(JSON.stringify({ alg: "none", kid: "k1" })).replace(/=+$/, "")}.${btoa(JSON.stringify(claims({ exp: clock.seconds() + 60 }))).replace(/=+$/, "")}.`;
    const rs512Key = await generateKeyPair("RS512");
    const rs512 = await new SignJWT(claims({ iat: clock.seconds(), exp: clock.seconds() + 60 })).setProtectedHeader({ alg: "RS512", kid: "k1" }).sign(rs512Key.privateKey);
    for (const token of [hs, none, rs512, "not-a-jwt"]) expect((await socialError(verify(token))).kind).toBe("invalid");
    expect(log.lines.slice(0, 3)).toEqual([
      "social google: id_token alg HS256 is not accepted -> invalid",
      "social google: id_token alg none is not accepted -> invalid",
      "social google: id_token alg RS512 is not accepted -> invalid",
    ]);
  });
});

describe("time claims", () => {
  it("accepts an expired token within the 60 s leeway and refuses it after", async () => {
    await setUp();
    const token = await signToken(key, claims({ iat: clock.seconds() - 3600, exp: clock.seconds() - 30 }));
    expect((await verify(token)).uid).toBe("42");
    captureWarnings();
    const expired = await signToken(key, claims({ iat: clock.seconds() - 3600, exp: clock.seconds() - 61 }));
    expect((await socialError(verify(expired))).kind).toBe("invalid");
  });

  it("refuses a token issued in the future beyond the leeway, or without exp / iat", async () => {
    await setUp();
    captureWarnings();
    const future = await signToken(key, claims({ iat: clock.seconds() + 120, exp: clock.seconds() + 3600 }));
    const noExp = await new SignJWT(claims({ iat: clock.seconds() })).setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(key.privateKey);
    const noIat = await new SignJWT(claims({ exp: clock.seconds() + 60 })).setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(key.privateKey);
    for (const token of [future, noExp, noIat]) expect((await socialError(verify(token))).kind).toBe("invalid");
  });

  it("refuses a token for several audiences unless azp is ours", async () => {
    await setUp();
    captureWarnings();
    const foreign = await signToken(key, claims({ aud: [CLIENT, "other"], azp: "other" }));
    expect((await socialError(verify(foreign))).kind).toBe("invalid");
    const ours = await signToken(key, claims({ aud: [CLIENT, "other"], azp: CLIENT }));
    expect((await verify(ours)).uid).toBe("42");
  });
});
