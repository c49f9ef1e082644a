// `npm run keys:generate -- ES256|EdDSA`: a new private signing key as a JWK (kid = its RFC 7638
// thumbprint) for JWT_PRIVATE_KEYS, and the commands that install it. Nothing is written anywhere.
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";

const alg = process.argv[2];
if (alg !== "ES256" && alg !== "EdDSA") {
  console.error("usage: npm run keys:generate -- ES256|EdDSA");
  process.exit(2);
}

const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
const { kty, crv, x, y, d } = await exportJWK(privateKey);
const publicPart = alg === "ES256" ? { kty, crv, x, y } : { kty, crv, x };
const kid = await calculateJwkThumbprint(publicPart, "sha256");
const jwk = JSON.stringify({ ...publicPart, d, kid, alg, use: "sig" });

console.log(`A new ${alg} private key, kid ${kid}. It is a secret: keep it out of git, chats and logs.

${jwk}

JWT_PRIVATE_KEYS is a JSON array of such keys, the first signs and every one verifies (and is
published at <AUTH_PREFIX>.well-known/jwks.json). A Worker secret can be replaced but never read
back: keep your current array in a password manager. Install an array with
  npx wrangler secret put JWT_PRIVATE_KEYS --env production     (paste the array at the prompt)

- First key: the array [<key above>], and JWT_ALGORITHM = "${alg}" in [env.production.vars], then
  npm run deploy. Switching from HS256 ends every session (old tokens stop verifying).
- Rotation (README, "Signing keys and JWKS"): 1. [<current key>, <key above>]: published, not signing;
  2. wait 5 minutes and more (verifiers cache the JWKS); 3. [<key above>, <old key>]: it signs;
  4. after REFRESH_TOKEN_LIFETIME, [<key above>]: tokens signed by the old key stop verifying.
- Locally, in .dev.vars (then restart npm start):
  JWT_ALGORITHM=${alg}
  JWT_PRIVATE_KEYS='[${jwk}]'`);
