// Microsoft: the issuer of the token's own tenant, tenant rules, oid as uid, Graph /me access tokens with the app check.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { verifySocialCredential } from "./index";
import { MICROSOFT } from "./microsoft";
import { captureWarnings, clearSocialCache, FakeWeb, json, jwksRoute, makeKey, providerDeps, signToken, socialError, type TestKey } from "./providers.fixtures";

const CLIENT = "6731de76-14a6-49ae-97bc-6eba6914391e";
const CONTOSO = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OID = "00000000-0000-0000-66f3-3332eca7ea81";
const settings = (tenant?: string) => ({ microsoft: { client_id: CLIENT, secret: "ms-secret", callback_url: "https://app.example.test/ms", ...(tenant ? { tenant } : {}) } });

let web: FakeWeb;
let key: TestKey;
beforeEach(async () => {
  await clearSocialCache();
  key = await makeKey("RS256", "ms-1");
  web = new FakeWeb();
  for (const tenant of ["common", "organizations", "consumers", CONTOSO]) web.on("GET", MICROSOFT.jwksUri(tenant), jwksRoute({ current: [key] }));
  web.install();
});
afterEach(() => vi.restoreAllMocks());

const claims = (tid: string, extra: Record<string, unknown> = {}) => ({
  iss: `https://login.microsoftonline.com/${tid}/v2.0`,
  aud: CLIENT,
  sub: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
  tid,
  oid: OID,
  email: "ada@contoso.example",
  name: "Ada Lovelace",
  preferred_username: "ada@contoso.example",
  ...extra,
});

describe("microsoft id_token", () => {
  it("common: accepts any tenant whose issuer names its own tid; uid is oid; the address is not vouched for", async () => {
    const { deps, provider } = providerDeps(settings());
    const identity = await verifySocialCredential(deps, provider("microsoft"), { id_token: await signToken(key, claims(CONTOSO)) });
    expect(identity).toMatchObject({ uid: OID, email: "ada@contoso.example", emailVerified: false, name: "Ada Lovelace", username: "ada@contoso.example" });
    expect(web.to(MICROSOFT.jwksUri("common"))).toHaveLength(1);
  });

  it("refuses an issuer of another tenant than the token's tid (a key shared by all tenants signs it)", async () => {
    const { deps, provider } = providerDeps(settings());
    captureWarnings();
    const forged = await signToken(key, claims(CONTOSO, { iss: `https://login.microsoftonline.com/${MICROSOFT.consumersTenant}/v2.0` }));
    expect((await socialError(verifySocialCredential(deps, provider("microsoft"), { id_token: forged }))).kind).toBe("invalid");
  });

  it("applies the tenant setting: organizations refuses personal accounts, a tenant id only its own", async () => {
    captureWarnings();
    const orgs = providerDeps(settings("organizations"));
    const personal = await signToken(key, claims(MICROSOFT.consumersTenant));
    expect((await socialError(verifySocialCredential(orgs.deps, orgs.provider("microsoft"), { id_token: personal }))).kind).toBe("invalid");
    expect((await verifySocialCredential(orgs.deps, orgs.provider("microsoft"), { id_token: await signToken(key, claims(CONTOSO)) })).uid).toBe(OID);

    const single = providerDeps(settings(CONTOSO));
    expect((await verifySocialCredential(single.deps, single.provider("microsoft"), { id_token: await signToken(key, claims(CONTOSO)) })).uid).toBe(OID);
    const other = await signToken(key, claims("11111111-2222-3333-4444-555555555555"));
    expect((await socialError(verifySocialCredential(single.deps, single.provider("microsoft"), { id_token: other }))).kind).toBe("invalid");
    expect(web.to(MICROSOFT.jwksUri(CONTOSO)).length).toBeGreaterThan(0);

    const consumers = providerDeps(settings("consumers"));
    expect((await verifySocialCredential(consumers.deps, consumers.provider("microsoft"), { id_token: personal })).uid).toBe(OID);
  });

  it("vouches for the address only with an explicit email_verified; refuses a token without oid", async () => {
    const { deps, provider } = providerDeps(settings());
    expect((await verifySocialCredential(deps, provider("microsoft"), { id_token: await signToken(key, claims(CONTOSO, { email_verified: true })) })).emailVerified).toBe(true);
    const log = captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("microsoft"), { id_token: await signToken(key, claims(CONTOSO, { oid: undefined })) }))).kind).toBe("invalid");
    expect(log.lines[0]).toContain("oid");
  });
});

/** A Graph access token as Entra issues it (we never verify its signature: Graph does). */
async function graphToken(extra: Record<string, unknown>) {
  const graphKey = await makeKey("RS256", "graph");
  return signToken(graphKey, { aud: "00000003-0000-0000-c000-000000000000", iss: `https://sts.windows.net/${CONTOSO}/`, tid: CONTOSO, oid: OID, appid: CLIENT, ...extra });
}

describe("microsoft access_token (Graph)", () => {
  const me = { id: OID, displayName: "Ada Lovelace", givenName: "Ada", surname: "Lovelace", mail: "ada@contoso.example", userPrincipalName: "ada@contoso.example" };

  it("lets Graph /me check the token, then requires its appid to be ours", async () => {
    web.on("GET", MICROSOFT.graphMe, () => json(me));
    const { deps, provider } = providerDeps(settings());
    const token = await graphToken({});
    const identity = await verifySocialCredential(deps, provider("microsoft"), { access_token: token });
    expect(identity).toMatchObject({ uid: OID, email: "ada@contoso.example", emailVerified: false, firstName: "Ada", lastName: "Lovelace" });
    expect(web.to(MICROSOFT.graphMe)[0]!.headers.get("authorization")).toBe(`Bearer ${token}`);

    const log = captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("microsoft"), { access_token: await graphToken({ appid: "another-app" }) }))).kind).toBe("invalid");
    expect(log.lines).toEqual(["social microsoft: access token was issued to another app -> invalid"]);
  });

  it("refuses an opaque (personal account) token without asking Graph, and a token Graph rejects", async () => {
    const { deps, provider } = providerDeps(settings());
    const log = captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("microsoft"), { access_token: "EwBwA8l6BAAU-opaque" }))).kind).toBe("invalid");
    expect(web.to(MICROSOFT.graphMe)).toHaveLength(0);
    web.on("GET", MICROSOFT.graphMe, () => json({ error: { code: "InvalidAuthenticationToken", message: "Access token has expired or is not yet valid." } }, 401));
    expect((await socialError(verifySocialCredential(deps, provider("microsoft"), { access_token: await graphToken({}) }))).kind).toBe("invalid");
    expect(log.lines[1]).toBe("social microsoft: Graph /me answered 401 (InvalidAuthenticationToken: Access token has expired or is not yet valid.) -> invalid");
  });
});

describe("microsoft code", () => {
  it("exchanges at the tenant's token endpoint and verifies the id_token", async () => {
    const idToken = await signToken(key, claims(CONTOSO));
    web.on("POST", MICROSOFT.tokenEndpoint("common"), () => json({ access_token: "eyJ0", id_token: idToken, token_type: "Bearer" }));
    const { deps, provider } = providerDeps(settings());
    expect((await verifySocialCredential(deps, provider("microsoft"), { code: "M.C1", code_verifier: "pkce" })).uid).toBe(OID);
    expect(Object.fromEntries(new URLSearchParams(web.to(MICROSOFT.tokenEndpoint("common"))[0]!.body))).toMatchObject({
      client_id: CLIENT,
      client_secret: "ms-secret",
      code: "M.C1",
      code_verifier: "pkce",
      redirect_uri: "https://app.example.test/ms",
    });
  });
});
