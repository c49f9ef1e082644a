declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    TOKENS_KV: KVNamespace;
    THROTTLE: DurableObjectNamespace<import("../src/core/throttle-counter").ThrottleCounter>;
    USER_RATE_LIMITER: RateLimit;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    [key: string]: unknown;
  }
}

declare module "*?raw" {
  const content: string;
  export default content;
}
