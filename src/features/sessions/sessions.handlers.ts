// Handlers of the sessions endpoints, one per declaration in sessions.routes.ts.
import type { EndpointHandler } from "../../http/endpoint";
import { notFound } from "../../http/errors";
import { expireJwtCookies } from "../../http/jwt-cookies";
import { formatDateTime } from "../../http/shapes";
import type * as routes from "./sessions.routes";
import { listSessions as loadSessions, logoutAll as endAllSessions, revokeSession as endSession } from "./sessions.service";

export const listSessions: EndpointHandler<typeof routes.listSessions> = async (c) => {
  const current = c.var.auth.claims.fam;
  const sessions = await loadSessions(c.var.deps, c.var.auth.user.id);
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
};

export const revokeSession: EndpointHandler<typeof routes.revokeSession> = async (c) => {
  const id = c.req.param("id") ?? "";
  if (!/^[0-9a-f]{32}$/.test(id) || !(await endSession(c.var.deps, c.var.auth.user.id, id))) throw notFound();
  return c.json({ detail: "Session revoked." }, 200);
};

export const revokeSessionWithPost: EndpointHandler<typeof routes.revokeSessionWithPost> = revokeSession;

export const logoutAll: EndpointHandler<typeof routes.logoutAll> = async (c) => {
  const keepCurrent = c.var.body.keep_current ?? false;
  await endAllSessions(c.var.deps, c.var.auth.user.id, keepCurrent ? c.var.auth.claims.fam : null);
  // The kept session is the one these cookies carry.
  if (!keepCurrent) expireJwtCookies(c, c.var.deps.config);
  return c.json({ detail: "Successfully logged out from all devices." }, 200);
};
