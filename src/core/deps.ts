// What every service needs, built once per request by middleware; services never see Hono.
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Config } from "../config";
import type * as schema from "../db/schema";
import type { ThrottleCounter } from "./throttle-counter";

export type Database = DrizzleD1Database<typeof schema>;

/** Who is calling, for events and sessions (contract §1.9). */
export interface ClientInfo {
  ip: string | null;
  userAgent: string;
  country: string | null;
}

export interface Deps {
  config: Config;
  db: Database;
  kv: KVNamespace;
  /** Current time in Unix milliseconds; tests inject a fake clock. */
  now: () => number;
  /** Runs work after the response (ctx.waitUntil); errors are logged, never surfaced. */
  defer: (work: Promise<unknown>) => void;
  client: ClientInfo;
  /**
   * This request's D1 session for reads a read replica may serve (db/replica.ts): opened on first
   * use; `db` is the primary. ARCHITECTURE.md, "Consistency", lists what may read here.
   */
  replica: () => D1DatabaseSession;
  /** The exact throttle store (one Durable Object per key); null when the binding is absent. */
  throttle: DurableObjectNamespace<ThrottleCounter> | null;
  /** Cloudflare's rate-limiting binding for the per-user scope; null when absent. */
  userRateLimiter: RateLimit | null;
}
