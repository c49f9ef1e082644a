// What the key tests share: settings for each algorithm and key list, a jose verifier pointed at our
// JWKS (its fetch goes to the app, as another Worker's would go to us), and a token's header.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { createRemoteJWKSet, customFetch, jwtVerify } from "jose";
import { app, envWith } from "../../../test/helpers";

export type Jwk = Record<string, string>;

/** Settings signing with `alg` and the key list `keys` (the first signs). */
export const keyEnv = (alg: "ES256" | "EdDSA", ...keys: Jwk[]) => ({ JWT_ALGORITHM: alg, JWT_PRIVATE_KEYS: JSON.stringify(keys) });

export const JWKS_URL = "https://api.example.test/auth/.well-known/jwks.json";

/**
 * A verifier as another service would build it: createRemoteJWKSet on our JWKS URL, fetching through
 * the app. A new one per call has an empty cache, like a verifier whose cache has expired.
 */
export function remoteVerifier(env: Record<string, string>) {
  const jwks = createRemoteJWKSet(new URL(JWKS_URL), {
    [customFetch]: async (url: string, options: RequestInit) => {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(url, options), envWith(env), ctx);
      await waitOnExecutionContext(ctx);
      return response;
    },
  });
  return (token: string, alg: string) => jwtVerify(token, jwks, { algorithms: [alg] });
}

export const jwtHeader = (token: string): Record<string, unknown> =>
  JSON.parse(atob(token.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/")));
