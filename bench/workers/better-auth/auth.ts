// The peer: better-auth on D1, email + password, bearer plugin, nothing else.
// Shared by the benchmark Worker (index.ts) and the schema generator
// (gen-schema.ts), so both see exactly the same options.
import { betterAuth } from "better-auth";
import { bearer } from "better-auth/plugins";

export interface Env {
  DB: D1Database;
  BETTER_AUTH_SECRET: string;
}

export function makeAuth(env: Env) {
  return betterAuth({
    baseURL: "http://127.0.0.1",
    basePath: "/api/auth",
    secret: env.BETTER_AUTH_SECRET,
    database: env.DB,
    emailAndPassword: { enabled: true },
    plugins: [bearer()],
    // Same policy as our Worker under benchmark: no rate limiting, no telemetry.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    // Requests come from autocannon, not a browser: no Origin header to check.
    advanced: { disableCSRFCheck: true, disableOriginCheck: true },
  });
}
