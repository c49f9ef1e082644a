// The authorization-code exchange (RFC 6749 §4.1.3, PKCE RFC 7636) every provider's code path goes through.
import { basicAuth, callProvider, fail, form, objectBody, type ProviderContext, stringField } from "./http";
import type { SocialCredentials } from "./types";

export interface CodeExchange {
  tokenEndpoint: string;
  clientId: string;
  /** Null for a public client (PKCE only). */
  clientSecret: string | null;
  /** How the secret travels: HTTP Basic (the RFC's default) or in the form. */
  clientAuth: "basic" | "post";
  /** Apple omits the redirect URI for codes from native apps. */
  redirectUriOptional?: boolean;
  /** Extra headers (GitHub answers form-encoded unless asked for JSON). */
  headers?: Record<string, string>;
  method?: "POST" | "GET";
}

/** What a token endpoint returns that we use. */
export interface TokenSet {
  access_token: string;
  id_token?: string;
}

/** Exchanges `c.code` (with `c.code_verifier` when sent) at the provider; any refusal is `code_exchange`. */
export async function exchangeCode(ctx: ProviderContext, c: SocialCredentials, exchange: CodeExchange): Promise<TokenSet> {
  const redirectUri = ctx.provider.callbackUrl;
  if (!redirectUri && !exchange.redirectUriOptional) fail(ctx, "code_exchange", "a code was sent but callback_url is not configured");
  const fields = form({
    grant_type: "authorization_code",
    code: c.code,
    redirect_uri: redirectUri,
    code_verifier: c.code_verifier || null,
    // A public client names itself in the form; a confidential one authenticates below.
    client_id: exchange.clientAuth === "post" || exchange.clientSecret === null ? exchange.clientId : null,
    client_secret: exchange.clientAuth === "post" ? exchange.clientSecret : null,
  });
  const headers: Record<string, string> = { accept: "application/json", ...exchange.headers };
  if (exchange.clientAuth === "basic" && exchange.clientSecret !== null) headers.authorization = basicAuth(exchange.clientId, exchange.clientSecret);
  const get = exchange.method === "GET";
  const answer = await callProvider(
    ctx,
    get ? `${exchange.tokenEndpoint}?${fields}` : exchange.tokenEndpoint,
    get ? { headers } : { method: "POST", headers: { ...headers, "content-type": "application/x-www-form-urlencoded" }, body: fields },
    { what: "token endpoint", rejectedAs: "code_exchange" },
  );
  const body = objectBody(ctx, answer, "token endpoint", "code_exchange");
  // GitHub answers a refused code with 200 and an `error` field.
  if (typeof body.error === "string") fail(ctx, "code_exchange", `token endpoint refused the code (${body.error})`);
  const accessToken = stringField(body, "access_token");
  if (!accessToken) fail(ctx, "code_exchange", "token endpoint answered without an access_token");
  const idToken = stringField(body, "id_token");
  return idToken ? { access_token: accessToken, id_token: idToken } : { access_token: accessToken };
}
