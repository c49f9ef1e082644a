// Declaration of the public signing keys (contract §2.8): served only under ES256/EdDSA.
import * as z from "zod/mini";
import { declare } from "../../http/endpoint";
import { json } from "../../http/responses";

const jwk = () =>
  z.object({ kty: z.string(), crv: z.string(), x: z.string(), y: z.optional(z.string()), kid: z.string(), alg: z.string(), use: z.literal("sig") });

export const jwks = declare({
  operationId: "jwks",
  method: "GET",
  path: "/.well-known/jwks.json",
  auth: "public",
  enabled: (config) => config.jwtAlgorithm !== "HS256",
  summary: "The public keys that verify this API's tokens (JWKS)",
  description:
    "Every key of JWT_PRIVATE_KEYS, public half only, so tokens signed by a key being rotated out still verify. Not served (404) under HS256, whose key is a shared secret.",
  tags: ["keys"],
  responses: { 200: json("JWK Set", () => z.object({ keys: z.array(jwk()) }), { "Cache-Control": "public, max-age=300" }) },
});
