// GET csrf/: hands out the csrftoken cookie a cookie-mode client echoes in X-CSRFToken (contract §2.1.6).
import type { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { issueCsrfCookie } from "../http/csrf";
import { endpoint } from "../http/routing";

export function csrfRoutes(app: Hono<AppEnv>): void {
  endpoint(app, "/csrf", {
    GET: [
      (c) => {
        const { config } = c.var.deps;
        // Same SameSite/Secure as the JWT cookies: it must travel wherever they do.
        issueCsrfCookie(c, config, config.jwtCookie);
        return c.json({ detail: "CSRF cookie set." }, 200);
      },
    ],
  });
}
