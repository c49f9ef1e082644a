// Worker entry: the HTTP app and the cron handler (mail retries, pruning).
import { drizzle } from "drizzle-orm/d1";
import { createApp } from "./app";
import { type Bindings, getConfig } from "./config";
import * as schema from "./db/schema";
import { runMaintenance } from "./core/maintenance";

export { ThrottleCounter } from "./core/throttle-counter";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  async scheduled(_controller, env, ctx) {
    const config = getConfig(env);
    ctx.waitUntil(runMaintenance({ config, db: drizzle(env.DB, { schema }), now: Date.now }).then((report) => console.log("maintenance", report)));
  },
} satisfies ExportedHandler<Bindings>;
