// POST login/ (dj-rest-auth LoginView, JWT mode).
import type { Hono } from "hono";
import * as z from "zod/mini";
import { login } from "../core/users";
import type { AppEnv } from "../http/context";
import { setJwtCookies } from "../http/jwt-cookies";
import { endpoint } from "../http/routing";
import { tokenResponse } from "../http/shapes";
import { enforceThrottle, throttleByIp } from "../http/throttle";
import { charField, emailField, lazySchema, validBody, validateBody } from "../http/validation";

const loginBody = lazySchema(() => z.object({
  username: z.optional(charField({ allowBlank: true, max: 150 })),
  email: z.optional(emailField({ allowBlank: true })),
  password: charField({ trim: false, max: 128 }),
}));

export function loginRoutes(app: Hono<AppEnv>): void {
  endpoint(app, "/login", {
    POST: [
      throttleByIp("login"),
      validateBody(loginBody),
      async (c) => {
        const body = validBody(c, loginBody);
        const deps = c.var.deps;
        const identifier = (body.email || body.username || "").toLowerCase();
        if (identifier) await enforceThrottle(deps, "login_identifier", identifier);
        const result = await login(deps, { username: body.username, email: body.email, password: body.password });
        setJwtCookies(c, deps.config, result.tokens, { newSession: true });
        return c.json(tokenResponse(deps.config, result.user, result.tokens), 200);
      },
    ],
  });
}
