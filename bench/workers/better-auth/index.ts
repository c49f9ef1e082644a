// better-auth Worker for the benchmark. The auth instance is built once per
// isolate (on the first request, when env is known) and reused, as a
// production deployment would.
import { makeAuth, type Env } from "./auth";

let auth: ReturnType<typeof makeAuth> | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> | Response {
    auth ??= makeAuth(env);
    return auth.handler(request);
  },
} satisfies ExportedHandler<Env>;
