// Conformance cases of the JWKS (served only under ES256/EdDSA).
import { call } from "../helpers";
import { ES256_A, ES256_B, EDDSA_A } from "../keys";
import { BAD_TOKEN, type CaseTable } from "./case";

const ES256 = { JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: JSON.stringify([ES256_A, ES256_B]) };
const EDDSA = { JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEYS: JSON.stringify([EDDSA_A]) };

export const keysCases: CaseTable = {
  jwks: {
    bad: [{ name: "a bad bearer token is ignored (public)", status: 200, env: ES256, send: (env) => call("GET", "/auth/.well-known/jwks.json", { token: BAD_TOKEN, env }) }],
    good: [
      { name: "ES256, two keys", status: 200, env: ES256, send: (env) => call("GET", "/auth/.well-known/jwks.json", { env }) },
      { name: "EdDSA, without the trailing slash", status: 200, env: EDDSA, send: (env) => call("GET", "/auth/.well-known/jwks.json/", { env }) },
    ],
  },
};
