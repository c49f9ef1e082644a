// GET history/ (paginated security events) and GET dashboard/ (seed 004).
import type { Context, Hono } from "hono";
import type { SecurityEvent } from "../db/schema";
import { loadDashboard } from "../features/account/dashboard.service";
import { EVENT_TYPES, type EventType } from "../core/events";
import { listHistory } from "../features/account/history.service";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { detailError, fieldError } from "../http/errors";
import { endpoint } from "../http/routing";
import { formatDateTime, userDetails } from "../http/shapes";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

export function eventShape(row: SecurityEvent) {
  return {
    id: row.id,
    event: row.event,
    created_at: formatDateTime(row.createdAt),
    ip: row.ip,
    user_agent: row.userAgent,
    country: row.country,
    meta: row.meta,
  };
}

/** DRF's _positive_int: bad or missing values fall back to the default, big ones to the cutoff. */
function pageSizeParam(raw: string | undefined): number {
  if (!raw || !/^\d+$/.test(raw) || Number(raw) === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(Number(raw), MAX_PAGE_SIZE);
}

function pageUrl(c: Context, page: number | null): string | null {
  if (page === null) return null;
  const url = new URL(c.req.url);
  // Like DRF, the first page's link drops the parameter.
  if (page === 1) url.searchParams.delete("page");
  else url.searchParams.set("page", String(page));
  return url.toString();
}

async function history(c: Context<AppEnv>) {
  const query = c.req.query();
  const type = query.event;
  if (type !== undefined && !(EVENT_TYPES as readonly string[]).includes(type)) {
    throw fieldError("event", `"${type}" is not a valid choice.`);
  }
  const pageRaw = query.page ?? "1";
  if (!/^\d+$/.test(pageRaw) || Number(pageRaw) < 1) throw detailError(404, "Invalid page.");
  const page = Number(pageRaw);
  const pageSize = pageSizeParam(query.page_size);
  const result = await listHistory(c.var.deps, c.var.auth.user.id, page, pageSize, type as EventType | undefined);
  const pages = Math.max(1, Math.ceil(result.count / pageSize));
  if (page > pages) throw detailError(404, "Invalid page.");
  return c.json(
    {
      count: result.count,
      next: pageUrl(c, page < pages ? page + 1 : null),
      previous: pageUrl(c, page > 1 ? page - 1 : null),
      results: result.results.map(eventShape),
    },
    200,
  );
}

async function dashboard(c: Context<AppEnv>) {
  const user = c.var.auth.user;
  const board = await loadDashboard(c.var.deps, user.id);
  return c.json(
    {
      user: userDetails(user),
      profile: board.profile,
      email_verified: user.emailVerified,
      date_joined: formatDateTime(user.dateJoined),
      last_login: user.lastLogin === null ? null : formatDateTime(user.lastLogin),
      active_sessions: board.activeSessions,
      recent_events: board.recentEvents.map(eventShape),
    },
    200,
  );
}

export function historyRoutes(app: Hono<AppEnv>): void {
  endpoint(app, "/history", { GET: [requireAuth, history] });
  endpoint(app, "/dashboard", { GET: [requireAuth, dashboard] });
}
