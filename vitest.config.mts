// Tests run inside workerd with real D1 and KV; migrations are read here and applied in test/setup.ts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * wrangler hands the tests whatever a developer put in .dev.vars to try things (AUTH_PREFIX, cookie
 * mode, ...). The suite must not depend on that: every such setting is blanked, which the config reads
 * as "not set" (its default). The secrets the tests need are given below.
 */
function blankDevVars(): Record<string, string> {
  const file = path.join(import.meta.dirname, ".dev.vars");
  if (!existsSync(file)) return {};
  const names = readFileSync(file, "utf8").match(/^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*(?=\s*=)/gm) ?? [];
  return Object.fromEntries(names.map((name) => [name.replace(/^\s*(?:export\s+)?/, ""), ""]));
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            ...blankDevVars(),
            TEST_MIGRATIONS: migrations,
            JWT_SIGNING_KEY: "test-signing-key-0123456789abcdef0123456789abcdef",
            MFA_ENCRYPTION_KEYS: '["test-mfa-key-0123456789abcdef0123456789abcdef"]',
            MAIL_API_KEY: "re_test_key",
            MAIL_API_URL: "https://mail.test/emails",
            PUBLIC_BASE_URL: "https://api.example.test",
            THROTTLE_ENABLED: "false",
            // Tests run many hashes; the production cap is exercised by its own tests.
            PBKDF2_ITERATIONS: "1000",
            // The fuzz's knobs (test/reliability/fuzz.test.ts), from the shell: FUZZ_RUNS=2000 npx vitest run test/reliability/fuzz.test.ts
            ...(process.env.FUZZ_RUNS ? { FUZZ_RUNS: process.env.FUZZ_RUNS } : {}),
            ...(process.env.FUZZ_SEED ? { FUZZ_SEED: process.env.FUZZ_SEED } : {}),
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      // test/browser/ is the Chromium suite (`npm run test:browser`, node's test runner), not workerd's.
      exclude: [...configDefaults.exclude, "test/browser/**"],
    },
  };
});
