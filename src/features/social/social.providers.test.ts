// POST {provider}/ for each credential kind of the built-in providers and the generic OIDC one, over
// fakes of the providers' real endpoints: what each sends to the provider, and the account it gets.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clock } from "../../../test/helpers";
import { CALLBACK, count, FakeOidc, FakeWorld, footprint, formOf, GITHUB_CLIENT, GOOGLE_CLIENT, newPerson, newSigningKey, type SeenRequest, signIdToken, socialLogin, userById } from "./social.fixtures";

let key: Awaited<ReturnType<typeof newSigningKey>>;
let world: FakeWorld;

beforeAll(async () => {
  key = await newSigningKey("providers-key-1");
});

beforeEach(() => {
  world = new FakeWorld();
});

const INCORRECT = { non_field_errors: ["Incorrect value"] };

const account = (uid: string) => count("social_accounts", "uid = ?", uid);

describe("google", () => {
  beforeEach(() => {
    world.on((request) => (request.url.href === "https://www.googleapis.com/oauth2/v3/certs" ? Response.json({ keys: [key.jwk] }) : undefined));
  });

  const googleIdToken = (person: ReturnType<typeof newPerson>, extra: Record<string, unknown> = {}) =>
    signIdToken(key, { iss: "https://accounts.google.com", aud: GOOGLE_CLIENT, azp: GOOGLE_CLIENT, ...person, ...extra });

  it("id_token (Google Identity Services): checked against Google's keys, account created", async () => {
    const person = newPerson();
    const response = await socialLogin("google", { id_token: await googleIdToken(person) });
    expect(response.status, response.text).toBe(200);
    expect(response.body.user.email).toBe(person.email);
    expect(await account(person.sub)).toBe(1);
    expect((await userById(response.body.user.pk))!.email_verified).toBe(1);
  });

  it("an id_token for another app or issuer: Incorrect value", async () => {
    const person = newPerson();
    for (const extra of [{ aud: "other.apps.googleusercontent.com", azp: "other" }, { iss: "https://evil.example.test" }]) {
      expect((await socialLogin("google", { id_token: await googleIdToken(person, extra) })).body).toEqual(INCORRECT);
    }
    expect(await account(person.sub)).toBe(0);
  });

  it("access_token: tokeninfo must name our client, then userinfo; another app's token is refused", async () => {
    const person = newPerson();
    const tokens: Record<string, string> = { "ya29.ours": GOOGLE_CLIENT, "ya29.theirs": "other.apps.googleusercontent.com" };
    world.on((request) => {
      if (request.url.href === "https://oauth2.googleapis.com/tokeninfo") {
        const aud = tokens[formOf(request).access_token ?? ""];
        return aud ? Response.json({ aud, azp: aud, sub: person.sub }) : Response.json({ error: "invalid_token" }, { status: 400 });
      }
      if (request.url.href === "https://openidconnect.googleapis.com/v1/userinfo") return Response.json(person);
      return undefined;
    });
    const before = await footprint();
    expect((await socialLogin("google", { access_token: "ya29.theirs" })).body).toEqual(INCORRECT);
    expect((await socialLogin("google", { access_token: "ya29.unknown" })).body).toEqual(INCORRECT);
    expect(await footprint()).toEqual(before);
    const response = await socialLogin("google", { access_token: "ya29.ours" });
    expect(response.status, response.text).toBe(200);
    expect(await account(person.sub)).toBe(1);
  });

  it("code: exchanged with our client secret and the callback URL", async () => {
    const person = newPerson();
    world.on(async (request) => {
      if (request.url.href !== "https://oauth2.googleapis.com/token") return undefined;
      const fields = formOf(request);
      if (fields.code !== "4/good" || fields.client_secret !== "google-secret" || fields.redirect_uri !== CALLBACK) {
        return Response.json({ error: "invalid_grant" }, { status: 400 });
      }
      return Response.json({ access_token: "ya29.x", id_token: await googleIdToken(person) });
    });
    expect((await socialLogin("google", { code: "4/bad" })).body).toEqual({ non_field_errors: ["Failed to exchange code for access token"] });
    const response = await socialLogin("google", { code: "4/good" });
    expect(response.status, response.text).toBe(200);
    expect(formOf(world.to("oauth2.googleapis.com").at(-1)!)).toMatchObject({ grant_type: "authorization_code", client_id: GOOGLE_CLIENT, code: "4/good" });
  });
});

describe("github", () => {
  const user = { id: 583231, login: "octocat", name: "The Octocat", email: null as string | null };
  let address: string;

  beforeEach(() => {
    address = `octo${crypto.randomUUID().slice(0, 8)}@github.example.test`;
    user.id = Math.floor(Math.random() * 1e9);
    world.on((request) => {
      const { href } = request.url;
      const bearer = request.headers.get("authorization");
      if (href === `https://api.github.com/applications/${GITHUB_CLIENT}/token`) {
        // Only our app's Basic credentials, and only a token it issued.
        const ours = bearer === `Basic ${btoa(`${GITHUB_CLIENT}:gh-secret`)}` && JSON.parse(request.body).access_token === "gho_ours";
        return ours ? Response.json({ app: { client_id: GITHUB_CLIENT }, user: { id: user.id, login: user.login } }) : Response.json({ message: "Not Found" }, { status: 404 });
      }
      if (href === "https://api.github.com/user") return bearer?.startsWith("Bearer gho_") ? Response.json(user) : Response.json({ message: "Bad credentials" }, { status: 401 });
      if (href === "https://api.github.com/user/emails") {
        return Response.json([
          { email: "old@github.example.test", primary: false, verified: true },
          { email: address, primary: true, verified: true },
        ]);
      }
      if (href === "https://github.com/login/oauth/access_token") {
        const fields = formOf(request);
        // GitHub answers a refused code with 200 and an error field.
        if (fields.code !== "gh-code" || fields.client_secret !== "gh-secret") return Response.json({ error: "bad_verification_code" });
        return Response.json({ access_token: "gho_fromcode", token_type: "bearer", scope: "user:email" });
      }
      return undefined;
    });
  });

  it("access_token: GitHub's token API confirms it is our app's; the verified primary address is used", async () => {
    const response = await socialLogin("github", { access_token: "gho_ours" });
    expect(response.status, response.text).toBe(200);
    expect(response.body.user).toMatchObject({ email: address });
    expect((await userById(response.body.user.pk))!.email_verified).toBe(1);
    expect(await account(String(user.id))).toBe(1);
  });

  it("another app's access token: Incorrect value, GitHub's user API never asked", async () => {
    expect((await socialLogin("github", { access_token: "gho_theirs" })).body).toEqual(INCORRECT);
    expect(world.seen.some((request: SeenRequest) => request.url.pathname === "/user")).toBe(false);
  });

  it("code: exchanged, then the profile; a refused code is Failed to exchange", async () => {
    expect((await socialLogin("github", { code: "nope" })).body).toEqual({ non_field_errors: ["Failed to exchange code for access token"] });
    const response = await socialLogin("github", { code: "gh-code" });
    expect(response.status, response.text).toBe(200);
    expect(response.body.user.username).toBe(address.split("@")[0]);
  });

  it("GitHub failing (5xx): 502, nothing written", async () => {
    world.on((request) => (request.url.host === "api.github.com" ? new Response("unicorn", { status: 503 }) : undefined));
    const before = await footprint();
    const response = await socialLogin("github", { access_token: "gho_ours" });
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ detail: "Upstream provider error." });
    expect(await footprint()).toEqual(before);
  });
});

/** RFC 5849 checked independently of the Worker's code: the signature the fake X recomputes. */
async function oauth1SignatureValid(request: SeenRequest, consumerSecret: string, tokenSecret: string): Promise<boolean> {
  const header = request.headers.get("authorization") ?? "";
  if (!header.startsWith("OAuth ")) return false;
  const oauth = [...header.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name!, decodeURIComponent(value!)] as const);
  const signature = oauth.find(([name]) => name === "oauth_signature")?.[1];
  const encode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  const params = [...oauth.filter(([name]) => name !== "oauth_signature"), ...request.url.searchParams.entries()]
    .map(([name, value]) => `${encode(name)}=${encode(value)}`)
    .sort();
  const base = `${request.method}&${encode(`${request.url.origin}${request.url.pathname}`)}&${encode(params.join("&"))}`;
  const hmacKey = await crypto.subtle.importKey("raw", new TextEncoder().encode(`${encode(consumerSecret)}&${encode(tokenSecret)}`), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const expected = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(base)))));
  return signature === expected;
}

describe("x (twitter)", () => {
  it("OAuth 1.0a access_token + token_secret: a correctly signed verify_credentials; the address unvouched", async () => {
    const uid = String(Math.floor(Math.random() * 1e12));
    const email = `x${uid}@x.example.test`;
    world.on(async (request) => {
      if (request.url.pathname !== "/1.1/account/verify_credentials.json") return undefined;
      const header = request.headers.get("authorization") ?? "";
      const signed = header.includes('oauth_consumer_key="x-consumer-key"') && header.includes('oauth_token="tok-1"') && (await oauth1SignatureValid(request, "x-consumer-secret", "sec-1"));
      return signed ? Response.json({ id_str: uid, screen_name: "jack", name: "Jack", email }) : Response.json({ errors: [{ code: 32 }] }, { status: 401 });
    });
    expect((await socialLogin("twitter", { access_token: "tok-1", token_secret: "wrong" })).body).toEqual(INCORRECT);
    // Without trust_email X's address is not vouched for: under mandatory verification, the confirmation mail.
    const response = await socialLogin("twitter", { access_token: "tok-1", token_secret: "sec-1" });
    expect(response.body).toEqual({ non_field_errors: ["E-mail is not verified."] });
    const optional = await socialLogin("x", { access_token: "tok-1", token_secret: "sec-1" }, { env: { ACCOUNT_EMAIL_VERIFICATION: "optional" } });
    expect(optional.status, optional.text).toBe(200);
    expect(optional.body.user).toMatchObject({ email, username: `x${uid}` });
    // Stored under x, whichever alias was used.
    expect(await count("social_accounts", "provider = 'x' and uid = ?", uid)).toBe(1);
    expect(world.seen.every((request) => request.url.searchParams.get("include_email") === "true")).toBe(true);
  });
});

describe("generic OpenID Connect", () => {
  let idp: FakeOidc;
  beforeEach(() => {
    idp = new FakeOidc(world, key);
  });

  it("code with PKCE: exchanged at the discovered token endpoint with the verifier; the id_token it returns identifies", async () => {
    const person = newPerson();
    const code = idp.issueCode(person, { verifier: "v".repeat(43) });
    expect((await socialLogin("keycloak", { code, code_verifier: "w".repeat(43) })).body).toEqual({ non_field_errors: ["Failed to exchange code for access token"] });
    const response = await socialLogin("keycloak", { code, code_verifier: "v".repeat(43) });
    expect(response.status, response.text).toBe(200);
    expect(await account(person.sub)).toBe(1);
    const exchange = world.seen.filter((request) => request.url.pathname.endsWith("/token")).at(-1)!;
    expect(formOf(exchange)).toMatchObject({ grant_type: "authorization_code", redirect_uri: CALLBACK, code_verifier: "v".repeat(43) });
  });

  it("access_token: checked at the discovered userinfo endpoint", async () => {
    const person = newPerson();
    expect((await socialLogin("keycloak", { access_token: "at-unknown" })).body).toEqual(INCORRECT);
    const response = await socialLogin("keycloak", { access_token: idp.issueAccessToken(person) });
    expect(response.status, response.text).toBe(200);
    expect(response.body.user.email).toBe(person.email);
  });

  it("key rotation: an unknown kid refetches the key set once its 30 s cooldown is over", async () => {
    // Past the cached set's max-age: the next login fetches it afresh.
    clock.advance(3601);
    expect((await socialLogin("keycloak", { id_token: await idp.idToken(newPerson()) })).status).toBe(200);
    const jwksFetches = () => world.seen.filter((request) => request.url.pathname.endsWith("/certs")).length;
    expect(jwksFetches()).toBe(1);
    const rotated = await newSigningKey("providers-key-2");
    idp.keys = [...idp.keys, rotated];
    const person = newPerson();
    const early = await socialLogin("keycloak", { id_token: await idp.idToken(person, {}, rotated) });
    expect(early.body).toEqual(INCORRECT);
    expect(jwksFetches()).toBe(1);
    clock.advance(31);
    const later = await socialLogin("keycloak", { id_token: await idp.idToken(person, {}, rotated) });
    expect(later.status, later.text).toBe(200);
    expect(jwksFetches()).toBe(2);
  });

  it("id_token with a nonce: the nonce sent must be the token's", async () => {
    const person = newPerson();
    const idToken = await idp.idToken(person, { nonce: "n-0S6_WzA2Mj" });
    expect((await socialLogin("keycloak", { id_token: idToken, nonce: "another" })).body).toEqual(INCORRECT);
    expect((await socialLogin("keycloak", { id_token: idToken, nonce: "n-0S6_WzA2Mj" })).status).toBe(200);
  });
});

describe("facebook, apple, microsoft", () => {
  const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  const more = {
    env: {
      SOCIAL_PROVIDERS: JSON.stringify({
        facebook: { client_id: "1234567890", secret: "fb-secret" },
        apple: { client_id: ["com.example.web", "com.example.ios"] },
        microsoft: { client_id: "6731de76-14a6-49ae-97bc-6eba6914391e", tenant: "common" },
      }),
    },
  };

  it("facebook access_token: debug_token with our app id, then /me; the address unvouched without trust_email", async () => {
    const uid = String(Math.floor(Math.random() * 1e15));
    const email = `fb${uid}@facebook.example.test`;
    world.on((request) => {
      if (request.url.host !== "graph.facebook.com") return undefined;
      if (request.url.pathname.endsWith("/debug_token")) {
        const token = request.url.searchParams.get("input_token");
        const app = token === "EAAB-ours" ? "1234567890" : "999";
        return Response.json({ data: { is_valid: true, app_id: app, type: "USER", user_id: uid } });
      }
      if (request.url.pathname.endsWith("/me")) return Response.json({ id: uid, name: "Mark Z", first_name: "Mark", last_name: "Z", email });
      return undefined;
    });
    expect((await socialLogin("facebook", { access_token: "EAAB-theirs" }, more)).body).toEqual(INCORRECT);
    expect((await socialLogin("facebook", { access_token: "EAAB-ours" }, more)).body).toEqual({ non_field_errors: ["E-mail is not verified."] });
    const row = await count("social_accounts", "provider = 'facebook' and uid = ?", uid);
    expect(row).toBe(1);
  });

  it("apple id_token (Sign in with Apple JS or iOS): Apple's keys, an audience among the client ids", async () => {
    world.on((request) => (request.url.href === "https://appleid.apple.com/auth/keys" ? Response.json({ keys: [key.jwk] }) : undefined));
    const person = newPerson();
    const idToken = await signIdToken(key, { iss: "https://appleid.apple.com", aud: "com.example.ios", sub: person.sub, email: person.email, email_verified: "true" });
    const response = await socialLogin("apple", { id_token: idToken }, more);
    expect(response.status, response.text).toBe(200);
    expect(response.body.user.email).toBe(person.email);
    // An access token alone proves nothing at Apple.
    expect((await socialLogin("apple", { access_token: "a" }, more)).body).toEqual({ non_field_errors: ["Incorrect input. access_token or code is required."] });
  });

  it("microsoft id_token (MSAL): the token's tenant's issuer and keys, the account keyed by oid", async () => {
    world.on((request) => (request.url.href.endsWith("/discovery/v2.0/keys") && request.url.host === "login.microsoftonline.com" ? Response.json({ keys: [key.jwk] }) : undefined));
    const oid = crypto.randomUUID();
    const person = newPerson();
    const idToken = await signIdToken(key, {
      iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      aud: "6731de76-14a6-49ae-97bc-6eba6914391e",
      tid: TENANT,
      oid,
      sub: "pairwise-sub",
      email: person.email,
      name: "Satya N",
      preferred_username: person.email,
    });
    const response = await socialLogin("microsoft", { id_token: idToken }, { env: { ...more.env, ACCOUNT_EMAIL_VERIFICATION: "optional" } });
    expect(response.status, response.text).toBe(200);
    expect(await count("social_accounts", "provider = 'microsoft' and uid = ?", oid)).toBe(1);
    // Entra's email claim is not a verified address.
    expect((await userById(response.body.user.pk))!.email_verified).toBe(0);
  });
});
