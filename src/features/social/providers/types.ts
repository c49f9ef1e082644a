// The social verification layer's vocabulary: provider settings, credentials, the verified identity, the error.

/** "google" | "github" | "facebook" | "apple" | "microsoft" | "x" | a generic OIDC key (contract §2.5). */
export type SocialProviderId = string;

export type SocialProviderKind = "google" | "github" | "facebook" | "apple" | "microsoft" | "x" | "oidc";

/** Apple's client-secret signing material (Sign in with Apple key). */
export interface AppleSigningKey {
  /** `team_id`: the JWT's `iss`. */
  teamId: string;
  /** `key_id`: the JWT header's `kid`. */
  keyId: string;
  /** `private_key`: the PKCS#8 PEM of the ES256 key Apple issued. */
  privateKey: string;
}

/** One entry of SOCIAL_PROVIDERS, parsed and checked (contract §3). */
export interface SocialProviderConfig {
  /** The path word and the social account's `provider` ("x" for an entry keyed "twitter"). */
  id: SocialProviderId;
  kind: SocialProviderKind;
  /**
   * `client_id` (a string or a list): audiences accepted in id_tokens and the apps access tokens must
   * belong to. The first one is the client of code exchanges (and Apple's client-secret `sub`).
   */
  clientIds: readonly string[];
  /** `secret`: client secret (Facebook app secret, X consumer secret). Null when not set (Apple signs one instead). */
  secret: string | null;
  /** `callback_url`: the redirect URI the frontend used, sent again when a code is exchanged. Null = codes refused. */
  callbackUrl: string | null;
  /** `trust_email`: count the address as verified for facebook / x (contract §2.5). Default false. */
  trustEmail: boolean;
  /** Apple only: `team_id`, `key_id`, `private_key`. */
  apple: AppleSigningKey | null;
  /** Microsoft only: `tenant` (a tenant id or domain, `common`, `organizations`, `consumers`). Default `common`. */
  tenant: string | null;
  /** Generic OIDC only: `server_url`, the issuer whose discovery document names the endpoints. */
  serverUrl: string | null;
  /**
   * X only: `oauth2_client_id` / `oauth2_secret`, X's OAuth 2.0 client when it differs from the OAuth 1.0a
   * consumer key/secret in `client_id` / `secret` (X issues the two pairs separately). Null = OAuth 2 uses
   * `client_id` / `secret` too.
   */
  x: { oauth2ClientId: string; oauth2Secret: string | null } | null;
}

/** What the frontend sends (contract §2.5 credential body). */
export interface SocialCredentials {
  access_token?: string;
  code?: string;
  code_verifier?: string;
  id_token?: string;
  token_secret?: string;
  nonce?: string;
}

/** Who the provider says the credential belongs to. */
export interface SocialIdentity {
  /** The provider's stable user id (OIDC `sub`, GitHub numeric id, Microsoft `oid`, X user id). */
  uid: string;
  email: string | null;
  /** True only when the provider vouches for the address (contract §2.5). */
  emailVerified: boolean;
  username?: string;
  firstName?: string;
  lastName?: string;
  name?: string;
  /** What allauth keeps as extra_data: the provider's profile, never tokens or secrets. */
  extraData: Record<string, unknown>;
}

export type SocialLoginErrorKind = "missing_input" | "code_exchange" | "invalid" | "upstream";

// The verifiers run in a lazily loaded module that carries its own copy of this class (verify.ts):
// instanceof goes by this registry-wide symbol, so the handlers recognise the errors of either copy.
const SOCIAL_LOGIN_ERROR: unique symbol = Symbol.for("edge-rest-auth.SocialLoginError");

/** The 400s of contract §2.5.1 (missing_input, code_exchange, invalid) and its 502 (upstream). */
export class SocialLoginError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [SOCIAL_LOGIN_ERROR]?: unknown })[SOCIAL_LOGIN_ERROR] === true;
  }
  readonly [SOCIAL_LOGIN_ERROR] = true;
  override name = "SocialLoginError";
  constructor(
    public readonly kind: SocialLoginErrorKind,
    message: string,
    public override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** The contract's message for each kind (upstream is the 502's detail). */
export const SOCIAL_ERROR_MESSAGES: Readonly<Record<SocialLoginErrorKind, string>> = {
  missing_input: "Incorrect input. access_token or code is required.",
  code_exchange: "Failed to exchange code for access token",
  invalid: "Incorrect value",
  upstream: "Upstream provider error.",
};

/** Tuning that tests inject; production uses the defaults. */
export interface VerifyOptions {
  /** Timeout of each provider call in ms. Default 5000. */
  timeoutMs?: number;
}
