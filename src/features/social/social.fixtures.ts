// What the social tests share: fake identity providers answering the Worker's outbound requests
// (keys generated here, id_tokens really signed, JWKS served), the provider settings, D1 rows.
import { env } from "cloudflare:test";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { call, clock, outbound } from "../../../test/helpers";

export const OIDC_ISSUER = "https://idp.example.test/realms/demo";
export const OIDC_CLIENT = "edge-app";
export const GOOGLE_CLIENT = "google-client.apps.googleusercontent.com";
export const GITHUB_CLIENT = "gh-client-id";
export const CALLBACK = "https://app.example.test/callback";

/** SOCIAL_PROVIDERS for the tests: one generic OIDC provider and the built-in ones exercised. */
export const PROVIDERS = {
  keycloak: { type: "oidc", server_url: OIDC_ISSUER, client_id: OIDC_CLIENT, secret: "oidc-secret", callback_url: CALLBACK },
  google: { client_id: GOOGLE_CLIENT, secret: "google-secret", callback_url: CALLBACK },
  github: { client_id: GITHUB_CLIENT, secret: "gh-secret", callback_url: CALLBACK },
  x: { client_id: "x-consumer-key", secret: "x-consumer-secret", callback_url: CALLBACK },
};

export const SOCIAL_ENV: Record<string, string> = { SOCIAL_PROVIDERS: JSON.stringify(PROVIDERS) };
/** The settings plus `more`. */
export const socialEnv = (more: Record<string, string> = {}): Record<string, string> => ({ ...SOCIAL_ENV, ...more });

/** Signing keys an IdP publishes: generated once per test file. */
export async function newSigningKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, jwk };
}
type SigningKey = Awaited<ReturnType<typeof newSigningKey>>;

export async function signIdToken(key: SigningKey, claims: Record<string, unknown>, lifetimeSeconds = 600): Promise<string> {
  const now = Math.floor(clock.now() / 1000);
  // `iat`/`exp` given in `claims` win (expired tokens).
  return new SignJWT({ iat: now, exp: now + lifetimeSeconds, ...claims }).setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" }).sign(key.privateKey);
}

export interface SeenRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

type Route = (request: SeenRequest) => Response | undefined | Promise<Response | undefined>;

/**
 * The outside world of the social tests: every outbound request of the Worker (other than mail) is
 * recorded and answered by the first route that takes it; none does = 404 (a request nobody expects).
 * `fail` makes every request fail as the network would (timeouts, refused connections).
 */
export class FakeWorld {
  readonly seen: SeenRequest[] = [];
  private readonly routes: Route[] = [];
  failure: (() => never) | null = null;

  constructor() {
    outbound.handler = (request) => this.handle(request);
  }

  on(route: Route): this {
    this.routes.unshift(route);
    return this;
  }

  private async handle(request: Request): Promise<Response> {
    const seen = { method: request.method, url: new URL(request.url), headers: request.headers, body: await request.text() };
    this.seen.push(seen);
    if (this.failure) this.failure();
    for (const route of this.routes) {
      const response = await route(seen);
      if (response) return response;
    }
    return Response.json({ error: "not_found" }, { status: 404 });
  }

  /** Requests to `host`. */
  to(host: string): SeenRequest[] {
    return this.seen.filter((request) => request.url.host === host);
  }
}

/** The form fields of a urlencoded request body. */
export const formOf = (request: SeenRequest) => Object.fromEntries(new URLSearchParams(request.body));

/** A person at the IdP. */
export interface Person {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
}

let people = 0;
/** A new person with a unique, verified address. */
export function newPerson(overrides: Partial<Person> = {}): Person {
  people++;
  const tag = `p${people}${crypto.randomUUID().slice(0, 6)}`;
  return { sub: `sub-${tag}`, email: `${tag}@idp.example.test`, email_verified: true, given_name: "Ada", family_name: "Lovelace", name: "Ada Lovelace", ...overrides };
}

/**
 * A generic OpenID Connect provider at OIDC_ISSUER: discovery, JWKS, token endpoint (codes it
 * issued, client authentication checked) and userinfo (access tokens it issued).
 */
export class FakeOidc {
  readonly codes = new Map<string, { person: Person; verifier?: string; nonce?: string }>();
  readonly accessTokens = new Map<string, Person>();
  keys: SigningKey[];

  constructor(readonly world: FakeWorld, key: SigningKey, readonly issuer = OIDC_ISSUER, readonly clientId = OIDC_CLIENT) {
    this.keys = [key];
    const base = new URL(issuer);
    world.on((request) => {
      if (request.url.host !== base.host || !request.url.pathname.startsWith(base.pathname)) return undefined;
      const path = request.url.pathname.slice(base.pathname.length);
      if (path === "/.well-known/openid-configuration") {
        return Response.json({
          issuer,
          authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
          token_endpoint: `${issuer}/protocol/openid-connect/token`,
          userinfo_endpoint: `${issuer}/protocol/openid-connect/userinfo`,
          jwks_uri: `${issuer}/protocol/openid-connect/certs`,
          id_token_signing_alg_values_supported: ["RS256"],
        });
      }
      if (path === "/protocol/openid-connect/certs") return Response.json({ keys: this.keys.map((k) => k.jwk) }, { headers: { "cache-control": "max-age=3600" } });
      if (path === "/protocol/openid-connect/token" && request.method === "POST") return this.token(request);
      if (path === "/protocol/openid-connect/userinfo") {
        const person = this.accessTokens.get(request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "");
        return person ? Response.json(person) : Response.json({ error: "invalid_token" }, { status: 401 });
      }
      return undefined;
    });
  }

  idToken(person: Person, extra: Record<string, unknown> = {}, key = this.keys[0]!): Promise<string> {
    return signIdToken(key, { iss: this.issuer, aud: this.clientId, ...person, ...extra });
  }

  /** A code the frontend got back from the authorization endpoint. */
  issueCode(person: Person, options: { verifier?: string; nonce?: string } = {}): string {
    const code = `code-${crypto.randomUUID()}`;
    this.codes.set(code, { person, ...options });
    return code;
  }

  issueAccessToken(person: Person): string {
    const token = `at-${crypto.randomUUID()}`;
    this.accessTokens.set(token, person);
    return token;
  }

  private async token(request: SeenRequest): Promise<Response> {
    const form = formOf(request);
    const basic = request.headers.get("authorization");
    const [id, secret] = basic?.startsWith("Basic ") ? atob(basic.slice(6)).split(":").map(decodeURIComponent) : [form.client_id, form.client_secret];
    if (id !== this.clientId || secret !== "oidc-secret") return Response.json({ error: "invalid_client" }, { status: 401 });
    const grant = this.codes.get(form.code ?? "");
    if (form.grant_type !== "authorization_code" || !grant || form.redirect_uri !== CALLBACK) return Response.json({ error: "invalid_grant" }, { status: 400 });
    if (grant.verifier !== undefined && grant.verifier !== form.code_verifier) return Response.json({ error: "invalid_grant" }, { status: 400 });
    this.codes.delete(form.code!);
    const accessToken = this.issueAccessToken(grant.person);
    return Response.json({
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: 300,
      id_token: await this.idToken(grant.person, grant.nonce ? { nonce: grant.nonce } : {}),
    });
  }
}

/** The `users` row of `username`, the user's social accounts, and row counts. */
export const userByName = (username: string) => env.DB.prepare("select * from users where username = ?").bind(username).first<Record<string, any>>();
export const userById = (id: number) => env.DB.prepare("select * from users where id = ?").bind(id).first<Record<string, any>>();
export async function socialRows(where = "1 = 1", ...bind: unknown[]) {
  return (await env.DB.prepare(`select * from social_accounts where ${where} order by id`).bind(...bind).all<Record<string, any>>()).results;
}
export async function count(table: string, where = "1 = 1", ...bind: unknown[]): Promise<number> {
  return (await env.DB.prepare(`select count(*) as n from ${table} where ${where}`).bind(...bind).first<{ n: number }>())!.n;
}

/** Every table a first login writes: their row counts, to show that a failure wrote nothing. */
export async function footprint() {
  const tables = ["users", "profiles", "social_accounts", "token_families", "events", "mfa_tickets"];
  return Object.fromEntries(await Promise.all(tables.map(async (table) => [table, await count(table)] as const)));
}

/** POST {provider}/ with `body` under the social settings (plus `more`). */
export const socialLogin = (provider: string, body: Record<string, unknown>, more: { env?: Record<string, string>; headers?: Record<string, string>; token?: string } = {}) =>
  call("POST", `/auth/${provider}/`, { body, env: socialEnv(more.env), headers: more.headers, token: more.token });

export const socialConnect = (provider: string, body: Record<string, unknown>, token: string, more: { env?: Record<string, string> } = {}) =>
  call("POST", `/auth/${provider}/connect/`, { body, token, env: socialEnv(more.env) });
