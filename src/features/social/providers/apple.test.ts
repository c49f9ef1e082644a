// Apple: id_token (JWKS, string email_verified), code exchange with the ES256 client-secret JWT built from the PKCS#8 key.
import { exportPKCS8, generateKeyPair, jwtVerify, decodeProtectedHeader } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { APPLE } from "./apple";
import { verifySocialCredential } from "./index";
import { captureWarnings, clearSocialCache, clock, FakeWeb, json, jwksRoute, makeKey, providerDeps, signToken, socialError, type TestKey } from "./providers.fixtures";

const SERVICES_ID = "com.example.web";
const BUNDLE_ID = "com.example.ios";
const TEAM_ID = "TEAM123456";
const KEY_ID = "KEY9876543";

let web: FakeWeb;
let key: TestKey;
let clientSecretKey: CryptoKeyPair;
let settings: Record<string, unknown>;

beforeEach(async () => {
  await clearSocialCache();
  key = await makeKey("RS256", "apple-1");
  clientSecretKey = (await generateKeyPair("ES256", { extractable: true })) as CryptoKeyPair;
  settings = {
    apple: {
      client_id: [SERVICES_ID, BUNDLE_ID],
      callback_url: "https://app.example.test/apple",
      team_id: TEAM_ID,
      key_id: KEY_ID,
      private_key: await exportPKCS8(clientSecretKey.privateKey),
    },
  };
  web = new FakeWeb();
  web.on("GET", APPLE.jwksUri, jwksRoute({ current: [key] }));
  web.install();
});
afterEach(() => vi.restoreAllMocks());

const claims = (extra: Record<string, unknown> = {}) => ({
  iss: "https://appleid.apple.com",
  aud: BUNDLE_ID,
  sub: "001234.abcdef.1234",
  email: "x7@privaterelay.appleid.com",
  email_verified: "true",
  is_private_email: "true",
  ...extra,
});

describe("apple id_token", () => {
  it("verifies against Apple's keys; the string \"true\" vouches for the address", async () => {
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("apple"), { id_token: await signToken(key, claims()), access_token: "ignored" });
    expect(identity).toMatchObject({ uid: "001234.abcdef.1234", email: "x7@privaterelay.appleid.com", emailVerified: true });
    expect(identity.extraData).toMatchObject({ is_private_email: "true" });
    expect(web.requests.map((r) => r.url.href)).toEqual([APPLE.jwksUri]);
  });

  it("refuses another app's token, a wrong issuer, an expired one", async () => {
    const { deps, provider } = providerDeps(settings);
    captureWarnings();
    for (const extra of [{ aud: "com.someone.else" }, { iss: "https://accounts.google.com" }, { iat: clock.seconds() - 7200, exp: clock.seconds() - 3600 }]) {
      expect((await socialError(verifySocialCredential(deps, provider("apple"), { id_token: await signToken(key, claims(extra)) }))).kind).toBe("invalid");
    }
  });
});

describe("apple code", () => {
  it("signs the client secret as Apple requires and exchanges the code for an id_token", async () => {
    const idToken = await signToken(key, claims({ aud: SERVICES_ID }));
    web.on("POST", APPLE.tokenEndpoint, () => json({ access_token: "a.b", token_type: "Bearer", expires_in: 3600, refresh_token: "r", id_token: idToken }));
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("apple"), { code: "c0de" });
    expect(identity.uid).toBe("001234.abcdef.1234");
    const sent = Object.fromEntries(new URLSearchParams(web.to(APPLE.tokenEndpoint)[0]!.body));
    expect(sent).toMatchObject({ grant_type: "authorization_code", code: "c0de", client_id: SERVICES_ID, redirect_uri: "https://app.example.test/apple" });
    // The client secret verifies with the public half of the configured key, with Apple's claims.
    expect(decodeProtectedHeader(sent.client_secret!)).toEqual({ alg: "ES256", kid: KEY_ID });
    const { payload } = await jwtVerify(sent.client_secret!, clientSecretKey.publicKey, { currentDate: new Date(clock.now()) });
    expect(payload).toMatchObject({ iss: TEAM_ID, sub: SERVICES_ID, aud: "https://appleid.apple.com", iat: clock.seconds() });
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(15_777_000);
  });

  it("answers code_exchange for Apple's invalid_grant, and without signing settings", async () => {
    web.on("POST", APPLE.tokenEndpoint, () => json({ error: "invalid_grant" }, 400));
    const log = captureWarnings();
    const { deps, provider } = providerDeps(settings);
    expect((await socialError(verifySocialCredential(deps, provider("apple"), { code: "used" }))).kind).toBe("code_exchange");
    const bare = providerDeps({ apple: { client_id: SERVICES_ID } });
    expect((await socialError(verifySocialCredential(bare.deps, bare.provider("apple"), { code: "c" }))).kind).toBe("code_exchange");
    expect(log.lines).toEqual([
      "social apple: token endpoint answered 400 (invalid_grant) -> code_exchange",
      "social apple: a code was sent but team_id/key_id/private_key are not configured -> code_exchange",
    ]);
    expect(web.to(APPLE.tokenEndpoint)).toHaveLength(1);
  });

  it("answers upstream when the configured key is not an ES256 key", async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const { deps, provider } = providerDeps({ apple: { ...(settings.apple as object), private_key: await exportPKCS8(rsa.privateKey) } });
    captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("apple"), { code: "c" }))).kind).toBe("upstream");
    expect(web.to(APPLE.tokenEndpoint)).toHaveLength(0);
  });
});
