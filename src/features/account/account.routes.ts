// Declarations of the account endpoints: user, profile, dashboard, history, e-mail change (contract §2.2).
import * as z from "zod/mini";
import { EVENT_TYPES } from "../../core/events";
import { declare } from "../../http/endpoint";
import { detail, detailBody, fieldErrors, json, userDetailsBody } from "../../http/responses";
import { charField, emailField, lazySchema, usernameField } from "../../http/validation";
import { socialAccountBody } from "../social/social.shapes";

const tags = ["account"];

const nameField = () => z.optional(charField({ allowBlank: true, max: 150 }));
const userPut = lazySchema(() => z.object({ username: usernameField(), first_name: nameField(), last_name: nameField() }));
const userPatch = lazySchema(() => z.object({ username: z.optional(usernameField()), first_name: nameField(), last_name: nameField() }));

export const getUser = declare({
  operationId: "getUser",
  method: "GET",
  path: "/user",
  auth: "required",
  summary: "The signed-in user",
  tags,
  responses: { 200: json("UserDetails", userDetailsBody) },
});

export const replaceUser = declare({
  operationId: "replaceUser",
  method: "PUT",
  path: "/user",
  auth: "required",
  body: userPut,
  summary: "Update the user (username required)",
  description: "`pk` and `email` are read-only; e-mail changes go through email/change/.",
  tags,
  responses: { 200: json("UserDetails", userDetailsBody) },
});

export const updateUser = declare({
  operationId: "updateUser",
  method: "PATCH",
  path: "/user",
  auth: "required",
  body: userPatch,
  summary: "Update some fields of the user",
  tags,
  responses: { 200: json("UserDetails", userDetailsBody) },
});

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname.length > 0;
  } catch {
    return false;
  }
};
const text = (max: number) => z.optional(charField({ allowBlank: true, max }));
const profileFields = lazySchema(() =>
  z.object({
    country: text(100),
    profession: text(100),
    bio: text(2000),
    thoughts: text(2000),
    profile_img: z.optional(charField({ allowBlank: true, max: 500 }).check(z.refine((value) => value === "" || isHttpUrl(value), "Enter a valid URL."))),
  }),
);
const profileBody = () => z.object({ country: z.string(), profession: z.string(), bio: z.string(), thoughts: z.string(), profile_img: z.string() });
const profileWrite = { path: "/profile", auth: "required", body: profileFields, tags, responses: { 200: json("The profile", profileBody) } } as const;

export const getProfile = declare({
  operationId: "getProfile",
  method: "GET",
  path: "/profile",
  legacyPaths: ["/get/profile"],
  auth: "required",
  summary: "The user's profile (seed 004)",
  tags,
  responses: { 200: json("The profile", profileBody) },
});

export const replaceProfile = declare({ ...profileWrite, operationId: "replaceProfile", method: "PUT", summary: "Update the profile (every field optional)" });
export const patchProfile = declare({ ...profileWrite, operationId: "patchProfile", method: "PATCH", summary: "Update some profile fields" });
export const postProfile = declare({
  ...profileWrite,
  operationId: "postProfile",
  method: "POST",
  legacyPaths: ["/update/profile"],
  summary: "Update some profile fields (seed 004's POST update/profile)",
});

const eventBody = () =>
  z.object({
    id: z.number(),
    event: z.string(),
    created_at: z.string(),
    ip: z.nullable(z.string()),
    user_agent: z.string(),
    country: z.nullable(z.string()),
    meta: z.record(z.string(), z.unknown()),
  });

export const dashboard = declare({
  operationId: "dashboard",
  method: "GET",
  path: "/dashboard",
  legacyPaths: ["/dashboard"],
  auth: "required",
  summary: "User, profile, verification state, sessions count and latest events (seed 004)",
  tags,
  responses: {
    200: json("The dashboard", () =>
      z.object({
        user: userDetailsBody(),
        profile: profileBody(),
        email_verified: z.boolean(),
        date_joined: z.string(),
        last_login: z.nullable(z.string()),
        active_sessions: z.number(),
        social_accounts: z.array(socialAccountBody()),
        recent_events: z.array(eventBody()),
      }),
    ),
  },
});

export const history = declare({
  operationId: "history",
  method: "GET",
  path: "/history",
  auth: "required",
  query: [
    { name: "page", description: "1-based page; 404 `Invalid page.` for anything else (past the last page, not a positive integer, too large)", schema: { type: "integer", minimum: 1 } },
    { name: "page_size", description: "Events per page (default 20, at most 100: larger values are capped, invalid ones give the default)", schema: { type: "integer", minimum: 1 } },
    { name: "event", description: "Only this event type", schema: { type: "string", enum: EVENT_TYPES } },
  ],
  summary: "The user's security history, newest first (seed 004's \"watch user history\")",
  tags,
  responses: {
    200: json("A page of events", () =>
      z.object({ count: z.number(), next: z.nullable(z.string()), previous: z.nullable(z.string()), results: z.array(eventBody()) }),
    ),
    400: fieldErrors("Unknown event type"),
    404: detail("Invalid page. (`page` past the last page, not a positive integer, or too large)"),
  },
});

export const emailChange = declare({
  operationId: "emailChange",
  method: "POST",
  path: "/email/change",
  auth: "required",
  otherThrottles: ["login_identifier", "resend_email"],
  body: lazySchema(() =>
    z.object({
      email: emailField(),
      password: charField({ trim: false, max: 128 }),
      verification_base_url: z.optional(z.nullable(charField({ allowBlank: true, max: 2000 }))),
    }),
  ),
  summary: "Change the e-mail address (after confirming the new one)",
  description:
    "Needs the password (which spends the account's `login_identifier` budget). The new address gets a confirmation key, the old one a notice; nothing changes until the key is confirmed. Only a request that will mail spends the `resend_email` budget.",
  tags,
  responses: { 200: json("Verification e-mail sent.", detailBody) },
});
