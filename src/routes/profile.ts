// GET | PUT | PATCH | POST profile/ (POST = PATCH, seed 004's update/profile).
import type { Context, Hono } from "hono";
import * as z from "zod/mini";
import { getProfile, updateProfile } from "../features/account/profile.service";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { endpoint } from "../http/routing";
import { charField, lazySchema, validBody, validateBody } from "../http/validation";

const text = (max: number) => z.optional(charField({ allowBlank: true, max }));
const profileBody = lazySchema(() => z.object({
  country: text(100),
  profession: text(100),
  bio: text(2000),
  thoughts: text(2000),
  profile_img: z.optional(
    charField({ allowBlank: true, max: 500 }).check(z.refine((value) => value === "" || isHttpUrl(value), "Enter a valid URL.")),
  ),
}));

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname.length > 0;
  } catch {
    return false;
  }
}

async function update(c: Context<AppEnv>) {
  const profile = await updateProfile(c.var.deps, c.var.auth.user.id, validBody(c, profileBody));
  return c.json(profile, 200);
}

export function profileRoutes(app: Hono<AppEnv>): void {
  const write = [requireAuth, validateBody(profileBody), update];
  endpoint(app, "/profile", {
    GET: [requireAuth, async (c) => c.json(await getProfile(c.var.deps, c.var.auth.user.id), 200)],
    PUT: write,
    PATCH: write,
    POST: write,
  });
}
