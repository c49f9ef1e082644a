// X: OAuth 1.0a (a fake X that checks the signature with its copy of the secrets), OAuth 2 users/me and code + PKCE.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { verifySocialCredential } from "./index";
import { hmacSha1Signature, signatureBaseString } from "./oauth1";
import { captureWarnings, clock, FakeWeb, hang, json, providerDeps, type Recorded, socialError } from "./providers.fixtures";
import { X } from "./x";

const CONSUMER_KEY = "xvz1evFS4wEEPTGEFPHBog";
const CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
const settings = { twitter: { client_id: CONSUMER_KEY, secret: CONSUMER_SECRET, callback_url: "https://app.example.test/x" } };
/** The user's tokens X issued to our app. */
const TOKENS: Record<string, string> = { "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb": "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE" };
const PROFILE = { id: 370773112, id_str: "370773112", screen_name: "ada", name: "Ada Lovelace", email: "ada@example.com" };

/** verify_credentials as X runs it: recompute the signature from the header and our copy of the secrets. */
async function verifyCredentials(request: Recorded): Promise<Response> {
  const header = request.headers.get("authorization") ?? "";
  const fields = Object.fromEntries([...header.replace(/^OAuth /, "").matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k!, decodeURIComponent(v!)]));
  const tokenSecret = TOKENS[fields.oauth_token!];
  if (fields.oauth_consumer_key !== CONSUMER_KEY || !tokenSecret) return json({ errors: [{ code: 89, message: "Invalid or expired token." }] }, 401);
  if (Math.abs(Number(fields.oauth_timestamp) - clock.seconds()) > 300) return json({ errors: [{ code: 135, message: "Timestamp out of bounds." }] }, 401);
  const { oauth_signature: signature, ...signed } = fields;
  const base = signatureBaseString(request.method, request.url, [...request.url.searchParams.entries(), ...Object.entries(signed)]);
  if ((await hmacSha1Signature(base, CONSUMER_SECRET, tokenSecret)) !== signature) return json({ errors: [{ code: 32, message: "Could not authenticate you." }] }, 401);
  return json(PROFILE);
}

let web: FakeWeb;
beforeEach(() => {
  web = new FakeWeb();
  web.on("GET", X.verifyCredentials, verifyCredentials);
  web.install();
});
afterEach(() => vi.restoreAllMocks());

describe("x OAuth 1.0a (access_token + token_secret)", () => {
  it("signs verify_credentials with our consumer pair; an entry keyed twitter is provider x", async () => {
    const { deps, provider } = providerDeps(settings);
    expect(provider("x").id).toBe("x");
    const identity = await verifySocialCredential(deps, provider("x"), { access_token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE" });
    expect(identity).toMatchObject({ uid: "370773112", username: "ada", name: "Ada Lovelace", email: "ada@example.com", emailVerified: false });
    const sent = web.to(X.verifyCredentials)[0]!;
    expect(sent.url.searchParams.get("include_email")).toBe("true");
    expect(sent.headers.get("authorization")).toMatch(/^OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="[0-9a-f]{32}", oauth_signature_method="HMAC-SHA1", oauth_timestamp="\d+", oauth_token="370773112-/);
  });

  it("vouches for the address only with trust_email", async () => {
    const { deps, provider } = providerDeps({ x: { ...settings.twitter, trust_email: true } });
    expect((await verifySocialCredential(deps, provider("x"), { access_token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE" })).emailVerified).toBe(true);
  });

  it("refuses a wrong token secret and a token of another app (signed with another consumer)", async () => {
    const log = captureWarnings();
    const ours = providerDeps(settings);
    expect((await socialError(verifySocialCredential(ours.deps, ours.provider("x"), { access_token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", token_secret: "wrong" }))).kind).toBe("invalid");
    const otherApp = providerDeps({ x: { client_id: "another-consumer-key", secret: CONSUMER_SECRET } });
    expect((await socialError(verifySocialCredential(otherApp.deps, otherApp.provider("x"), { access_token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE" }))).kind).toBe("invalid");
    expect(log.lines).toEqual(["social x: verify_credentials answered 401 -> invalid", "social x: verify_credentials answered 401 -> invalid"]);
    log.assertFree("LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE", CONSUMER_SECRET);
  });

  it("answers upstream when X hangs", async () => {
    web.on("GET", X.verifyCredentials, hang);
    const { deps, provider } = providerDeps(settings);
    captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("x"), { access_token: "a", token_secret: "b" }, { timeoutMs: 20 }))).kind).toBe("upstream");
  });
});

describe("x OAuth 2", () => {
  beforeEach(() => {
    web.on("GET", X.usersMe, (request) =>
      request.headers.get("authorization") === "Bearer x-oauth2-token"
        ? json({ data: { id: "2244994945", name: "Ada Lovelace", username: "ada", confirmed_email: "ada@example.com" } })
        : json({ title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" }, 401),
    );
  });

  it("reads users/me with an access token", async () => {
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("x"), { access_token: "x-oauth2-token" });
    expect(identity).toMatchObject({ uid: "2244994945", username: "ada", email: "ada@example.com", emailVerified: false });
    expect(web.to(X.usersMe)[0]!.url.searchParams.get("user.fields")).toContain("confirmed_email");
  });

  it("refuses a token X does not know", async () => {
    const { deps, provider } = providerDeps(settings);
    const log = captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("x"), { access_token: "dead" }))).kind).toBe("invalid");
    expect(log.lines).toEqual(["social x: users/me answered 401 (Unauthorized) -> invalid"]);
  });

  it("exchanges code + PKCE verifier with the OAuth 2 client's Basic credentials", async () => {
    web.on("POST", X.tokenEndpoint, () => json({ token_type: "bearer", access_token: "x-oauth2-token", scope: "users.read tweet.read" }));
    const { deps, provider } = providerDeps({ x: { ...settings.twitter, oauth2_client_id: "oauth2-client", oauth2_secret: "oauth2-secret" } });
    expect((await verifySocialCredential(deps, provider("x"), { code: "x-code", code_verifier: "challenge-verifier" })).uid).toBe("2244994945");
    const exchange = web.to(X.tokenEndpoint)[0]!;
    expect(exchange.headers.get("authorization")).toBe(`Basic ${btoa("oauth2-client:oauth2-secret")}`);
    expect(Object.fromEntries(new URLSearchParams(exchange.body))).toEqual({
      grant_type: "authorization_code",
      code: "x-code",
      redirect_uri: "https://app.example.test/x",
      code_verifier: "challenge-verifier",
    });
  });

  it("a public OAuth 2 client (no secret) names itself in the form", async () => {
    web.on("POST", X.tokenEndpoint, () => json({ token_type: "bearer", access_token: "x-oauth2-token" }));
    const { deps, provider } = providerDeps({ x: { client_id: "public-client", callback_url: "https://app.example.test/x" } });
    await verifySocialCredential(deps, provider("x"), { code: "x-code", code_verifier: "v" });
    const exchange = web.to(X.tokenEndpoint)[0]!;
    expect(exchange.headers.get("authorization")).toBeNull();
    expect(new URLSearchParams(exchange.body).get("client_id")).toBe("public-client");
  });

  it("answers code_exchange for a refused code", async () => {
    web.on("POST", X.tokenEndpoint, () => json({ error: "invalid_request", error_description: "Value passed for the authorization code was invalid." }, 400));
    const { deps, provider } = providerDeps(settings);
    captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("x"), { code: "bad", code_verifier: "v" }))).kind).toBe("code_exchange");
  });
});
