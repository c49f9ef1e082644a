// POST logout/ (bearer optional; GET only with ACCOUNT_LOGOUT_ON_GET).
import type { Context, Hono } from "hono";
import * as z from "zod/mini";
import { logoutWithRefreshToken } from "../services/tokens";
import { authenticate } from "../http/auth";
import type { AppEnv } from "../http/context";
import { detailError, tokenNotValid } from "../http/errors";
import { endpoint } from "../http/routing";
import { charField, validateBody, validBody } from "../http/validation";

const logoutBody = z.object({ refresh: z.optional(charField({ allowBlank: true, trim: false })) });

async function logout(c: Context<AppEnv>) {
  const deps = c.var.deps;
  const body = c.req.method === "GET" ? {} : validBody(c, logoutBody);
  // An invalid bearer here is ignored rather than fatal: logout must always be possible.
  const bearer = await authenticate(deps, c.req.header("authorization")).catch(() => null);
  if (!body.refresh) throw detailError(401, "Refresh token was not included in request data.");
  if (!(await logoutWithRefreshToken(deps, body.refresh, bearer?.user.id ?? null))) throw tokenNotValid();
  return c.json({ detail: "Successfully logged out." }, 200);
}

export function logoutRoutes(app: Hono<AppEnv>, logoutOnGet: boolean): void {
  endpoint(app, "/logout", {
    POST: [validateBody(logoutBody), logout],
    ...(logoutOnGet ? { GET: [logout] } : {}),
  });
}
