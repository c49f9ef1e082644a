// Floor: the cheapest possible Hono Worker. Every target's req/s and CPU are
// compared with this one, measured in the same run on the same machine.
import { Hono } from "hono";

const app = new Hono<{ Bindings: { DB: D1Database } }>();
app.get("/", (c) => c.json({ hello: "world" }));
app.get("/auth/user/", (c) => c.json({ pk: 1, username: "floor", email: "floor@example.com" }));

// The storage floor: one trivial D1 query per request. Locally D1 is simulated inside the same
// workerd process, so its CPU lands in the Worker's process; every D1-backed route pays at least this.
app.get("/d1", async (c) => c.json(await c.env.DB.prepare("select ?1 as pk").bind(1).first()));

export default app;
