// Floor: the cheapest possible Hono Worker. Every target's req/s and CPU are
// compared with this one, measured in the same run on the same machine.
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.json({ hello: "world" }));
app.get("/auth/user/", (c) => c.json({ pk: 1, username: "floor", email: "floor@example.com" }));

export default app;
