// GET sessions/, DELETE sessions/{id}/ (alias POST .../revoke/), POST logout-all/.
import type { Context, Hono } from "hono";
import * as z from "zod/mini";
import { listSessions, logoutAll, revokeSession } from "../features/sessions/sessions.service";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { notFound } from "../http/errors";
import { expireJwtCookies, expireJwtCookiesOn401 } from "../http/jwt-cookies";
import { endpoint } from "../http/routing";
import { formatDateTime } from "../http/shapes";
import { booleanField, lazySchema, validBody, validateBody } from "../http/validation";

const logoutAllBody = lazySchema(() => z.object({ keep_current: z.optional(booleanField()) }));

async function revoke(c: Context<AppEnv>) {
  const id = c.req.param("id") ?? "";
  if (!/^[0-9a-f]{32}$/.test(id) || !(await revokeSession(c.var.deps, c.var.auth.user.id, id))) throw notFound();
  return c.json({ detail: "Session revoked." }, 200);
}

export function sessionRoutes(app: Hono<AppEnv>): void {
  endpoint(app, "/sessions", {
    GET: [
      requireAuth,
      async (c) => {
        const current = c.var.auth.claims.fam;
        const sessions = await listSessions(c.var.deps, c.var.auth.user.id);
        return c.json(
          sessions.map((family) => ({
            id: family.id,
            created_at: formatDateTime(family.createdAt),
            last_used_at: formatDateTime(family.lastUsedAt),
            ip: family.ip,
            user_agent: family.userAgent,
            country: family.country,
            current: family.id === current,
          })),
          200,
        );
      },
    ],
  });
  endpoint(app, "/sessions/:id", { DELETE: [requireAuth, revoke] });
  endpoint(app, "/sessions/:id/revoke", { POST: [requireAuth, revoke] });

  endpoint(app, "/logout-all", {
    POST: [
      expireJwtCookiesOn401,
      requireAuth,
      validateBody(logoutAllBody),
      async (c) => {
        const keepCurrent = validBody(c, logoutAllBody).keep_current ?? false;
        await logoutAll(c.var.deps, c.var.auth.user.id, keepCurrent ? c.var.auth.claims.fam : null);
        // The kept session is the one these cookies carry.
        if (!keepCurrent) expireJwtCookies(c, c.var.deps.config);
        return c.json({ detail: "Successfully logged out from all devices." }, 200);
      },
    ],
  });
}
