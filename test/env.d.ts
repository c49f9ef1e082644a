declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    TOKENS_KV: KVNamespace;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    [key: string]: unknown;
  }
}

declare module "*?raw" {
  const content: string;
  export default content;
}
