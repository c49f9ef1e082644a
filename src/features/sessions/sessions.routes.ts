// Declarations of the sessions endpoints: list, revoke one, log out everywhere (contract §2.6, §2.1.3).
import * as z from "zod/mini";
import { declare } from "../../http/endpoint";
import { expireJwtCookiesOn401 } from "../../http/jwt-cookies";
import { detail, detailBody, json } from "../../http/responses";
import { booleanField, lazySchema } from "../../http/validation";

const tags = ["sessions"];
const revoke = {
  auth: "required",
  summary: "Revoke one of the user's sessions (its refresh and access tokens stop working at once)",
  tags,
  responses: { 200: json("Session revoked.", detailBody), 404: detail("No such session of this user") },
} as const;

export const listSessions = declare({
  operationId: "listSessions",
  method: "GET",
  path: "/sessions",
  auth: "required",
  summary: "The user's live sessions, the caller's own marked `current`",
  tags,
  responses: {
    200: json("Sessions, most recently used first", () =>
      z.array(
        z.object({
          id: z.string(),
          created_at: z.string(),
          last_used_at: z.string(),
          ip: z.nullable(z.string()),
          user_agent: z.string(),
          country: z.nullable(z.string()),
          current: z.boolean(),
        }),
      ),
    ),
  },
});

export const revokeSession = declare({ ...revoke, operationId: "revokeSession", method: "DELETE", path: "/sessions/:id" });
export const revokeSessionWithPost = declare({ ...revoke, operationId: "revokeSessionWithPost", method: "POST", path: "/sessions/:id/revoke" });

export const logoutAll = declare({
  operationId: "logoutAll",
  method: "POST",
  path: "/logout-all",
  auth: "required",
  guards: [expireJwtCookiesOn401],
  body: lazySchema(() => z.object({ keep_current: z.optional(booleanField()) })),
  summary: "Log out of every session (optionally keeping the caller's)",
  tags,
  responses: { 200: json("Successfully logged out from all devices.", detailBody, { "Set-Cookie": "Cookie mode: the JWT cookies, expired unless keep_current" }) },
});
