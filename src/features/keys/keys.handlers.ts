// Handler of the JWKS, the one declaration in keys.routes.ts.
import { publicJwks } from "../../core/signing-keys";
import type { EndpointHandler } from "../../http/endpoint";
import type * as routes from "./keys.routes";

// Cacheable (app.ts keeps a Cache-Control a handler set): verifiers fetch it often. Five minutes is
// also how long a key must be published before it signs (README, "Signing keys and JWKS").
export const jwks: EndpointHandler<typeof routes.jwks> = (c) => c.json(publicJwks(c.var.deps.config), 200, { "Cache-Control": "public, max-age=300" });
