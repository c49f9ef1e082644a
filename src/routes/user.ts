// GET | PUT | PATCH user/ (dj-rest-auth UserDetailsView).
import type { Context, Hono } from "hono";
import * as z from "zod/mini";
import { updateUser } from "../core/users";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { endpoint } from "../http/routing";
import { userDetails } from "../http/shapes";
import { charField, lazySchema, validBody, validateBody } from "../http/validation";

const nameField = () => z.optional(charField({ allowBlank: true, max: 150 }));
const putBody = lazySchema(() => z.object({ username: charField({ max: 150 }), first_name: nameField(), last_name: nameField() }));
const patchBody = lazySchema(() => z.object({ username: z.optional(charField({ max: 150 })), first_name: nameField(), last_name: nameField() }));

async function update(c: Context<AppEnv>) {
  const body = validBody(c, patchBody);
  const user = await updateUser(c.var.deps, c.var.auth.user, body);
  return c.json(userDetails(user), 200);
}

export function userRoutes(app: Hono<AppEnv>): void {
  endpoint(app, "/user", {
    GET: [requireAuth, (c) => c.json(userDetails(c.var.auth.user), 200)],
    PUT: [requireAuth, validateBody(putBody), update],
    PATCH: [requireAuth, validateBody(patchBody), update],
  });
}
