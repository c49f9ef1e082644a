// One-off Worker used only by gen-schema.mjs: asks better-auth itself for the
// SQL that creates its schema (for the exact options of auth.ts) on an empty D1.
import { getMigrations } from "better-auth/db/migration";
import { makeAuth, type Env } from "./auth";

export default {
  async fetch(_request: Request, env: Env): Promise<Response> {
    const auth = makeAuth(env);
    const { compileMigrations } = await getMigrations(auth.options);
    return new Response(await compileMigrations());
  },
};
