// Security history (contract §1.9): recorded after the response so it can never fail the request.
import { events } from "../db/schema";
import type { Deps } from "./deps";

export const EVENT_TYPES = [
  "register",
  "login",
  "login_failed",
  "social_login",
  "logout",
  "logout_all",
  "refresh_reuse_detected",
  "password_change",
  "password_reset_requested",
  "password_reset",
  "email_verified",
  "email_change_requested",
  "user_updated",
  "profile_updated",
  "social_connect",
  "social_disconnect",
  "session_revoked",
  "mfa_enabled",
  "mfa_disabled",
  "recovery_codes_regenerated",
  "login_locked",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const MAX_USER_AGENT = 512;

/** Queues one event row; a failed insert is logged, never thrown. */
export function recordEvent(deps: Deps, userId: number, event: EventType, meta: Record<string, unknown> = {}): void {
  deps.defer(
    deps.db.insert(events).values({
      userId,
      event,
      createdAt: deps.now(),
      ip: deps.client.ip,
      userAgent: deps.client.userAgent.slice(0, MAX_USER_AGENT),
      country: deps.client.country,
      meta,
    }),
  );
}
