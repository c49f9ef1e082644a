// POST token/refresh/ (alias refresh/) and token/verify/ (simplejwt views with rotation always on).
import type { Context, Hono } from "hono";
import * as z from "zod/mini";
import { rotateRefreshToken, verifyAnyToken } from "../core/tokens";
import type { AppEnv } from "../http/context";
import { detailError, tokenNotValid } from "../http/errors";
import { presentedRefreshToken, setJwtCookies } from "../http/jwt-cookies";
import { endpoint } from "../http/routing";
import { refreshResponse } from "../http/shapes";
import { throttleByIp } from "../http/throttle";
import { charField, lazySchema, validBody, validateBody } from "../http/validation";

const refreshBody = lazySchema(() => z.object({ refresh: z.optional(charField({ allowBlank: true, trim: false })) }));
const verifyBody = lazySchema(() => z.object({ token: charField({ trim: false }) }));

async function refresh(c: Context<AppEnv>) {
  const body = validBody(c, refreshBody);
  const deps = c.var.deps;
  const token = presentedRefreshToken(c, deps.config, body.refresh);
  if (!token) throw detailError(401, "No valid refresh token found.", { code: "token_not_valid" });
  const result = await rotateRefreshToken(deps, token);
  if (!result.ok) {
    if (result.reason === "no_active_account") {
      throw detailError(401, "No active account found for the given token.", { code: "no_active_account" });
    }
    if (result.reason === "session_expired") {
      throw detailError(401, "Session reached its maximum lifetime. Please log in again", { code: "session_expired" });
    }
    throw tokenNotValid();
  }
  setJwtCookies(c, deps.config, result.tokens, { newSession: false });
  return c.json(refreshResponse(deps.config, result.tokens), 200);
}

export function tokenRoutes(app: Hono<AppEnv>): void {
  for (const path of ["/token/refresh", "/refresh"]) {
    endpoint(app, path, { POST: [throttleByIp("refresh"), validateBody(refreshBody), refresh] });
  }
  endpoint(app, "/token/verify", {
    POST: [
      throttleByIp("refresh"),
      validateBody(verifyBody),
      async (c) => {
        if (!(await verifyAnyToken(c.var.deps, validBody(c, verifyBody).token))) throw tokenNotValid();
        return c.json({}, 200);
      },
    ],
  });
}
