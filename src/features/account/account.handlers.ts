// Handlers of the account endpoints, one per declaration in account.routes.ts.
import type { Context } from "hono";
import { EVENT_TYPES, type EventType } from "../../core/events";
import type { EndpointHandler } from "../../http/endpoint";
import { detailError, fieldError } from "../../http/errors";
import { enforceThrottle } from "../../http/throttle";
import { accountKey, nameKey } from "../../core/throttle";
import { eventShape, formatDateTime, userDetails } from "../../http/shapes";
import { checkVerificationBaseUrl } from "../../core/links";
import { updateUser as saveUser } from "./account.service";
import type * as routes from "./account.routes";
import { loadDashboard } from "./dashboard.service";
import { socialAccountShape } from "../social/social.shapes";
import { requestEmailChange } from "./email-change.service";
import { listHistory } from "./history.service";
import { getProfile as loadProfile, updateProfile } from "./profile.service";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

export const getUser: EndpointHandler<typeof routes.getUser> = (c) => c.json(userDetails(c.var.auth.user), 200);

export const replaceUser: EndpointHandler<typeof routes.replaceUser> = async (c) =>
  c.json(userDetails(await saveUser(c.var.deps, c.var.auth.user, c.var.body)), 200);

export const updateUser: EndpointHandler<typeof routes.updateUser> = async (c) =>
  c.json(userDetails(await saveUser(c.var.deps, c.var.auth.user, c.var.body)), 200);

export const getProfile: EndpointHandler<typeof routes.getProfile> = async (c) => c.json(await loadProfile(c.var.deps, c.var.auth.user.id), 200);

const saveProfile: EndpointHandler<typeof routes.patchProfile> = async (c) =>
  c.json(await updateProfile(c.var.deps, c.var.auth.user.id, c.var.body), 200);
export const replaceProfile: EndpointHandler<typeof routes.replaceProfile> = saveProfile;
export const patchProfile = saveProfile;
export const postProfile: EndpointHandler<typeof routes.postProfile> = saveProfile;

export const dashboard: EndpointHandler<typeof routes.dashboard> = async (c) => {
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
      social_accounts: board.socialAccounts.map(socialAccountShape),
      recent_events: board.recentEvents.map(eventShape),
    },
    200,
  );
};

/**
 * DRF's _positive_int: bad or missing values fall back to the default, big ones to the cutoff (a
 * string of any length of digits is just big: Number() gives at worst Infinity, never an error).
 */
function pageSizeParam(raw: string | undefined): number {
  if (!raw || !/^\d+$/.test(raw) || Number(raw) === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(Number(raw), MAX_PAGE_SIZE);
}

/**
 * The 1-based page, or DRF's 404 "Invalid page." for anything that is not a positive integer. A
 * page whose offset is past 2^53 cannot exist (no user has that many events) and is refused here,
 * before it reaches SQLite as a float OFFSET (once a 500).
 */
function pageParam(raw: string | undefined, pageSize: number): number {
  const page = Number(raw ?? "1");
  if (!/^\d+$/.test(raw ?? "1") || page < 1 || !Number.isSafeInteger((page - 1) * pageSize)) throw detailError(404, "Invalid page.");
  return page;
}

function pageUrl(c: Context, page: number | null): string | null {
  if (page === null) return null;
  const url = new URL(c.req.url);
  // Like DRF, the first page's link drops the parameter.
  if (page === 1) url.searchParams.delete("page");
  else url.searchParams.set("page", String(page));
  return url.toString();
}

export const history: EndpointHandler<typeof routes.history> = async (c) => {
  const query = c.req.query();
  const type = query.event;
  if (type !== undefined && !(EVENT_TYPES as readonly string[]).includes(type)) {
    throw fieldError("event", `"${type}" is not a valid choice.`);
  }
  const pageSize = pageSizeParam(query.page_size);
  const page = pageParam(query.page, pageSize);
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
};

export const emailChange: EndpointHandler<typeof routes.emailChange> = async (c) => {
  const { deps, body } = c.var;
  const baseUrl = checkVerificationBaseUrl(deps.config, body.verification_base_url);
  const user = c.var.auth.user;
  // A password check: it spends the account's password-guessing budget, as a login would.
  await enforceThrottle(deps, "login_identifier", accountKey(user.id));
  // It mails two addresses: once the password is right, bounded like resend-email, per target address.
  const beforeMail = () => enforceThrottle(deps, "resend_email", nameKey(body.email));
  await requestEmailChange(deps, user, body.email, body.password, baseUrl, beforeMail);
  return c.json({ detail: "Verification e-mail sent." }, 200);
};
