// Tests run inside workerd with real D1 and KV; migrations are read here and applied in test/setup.ts.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            JWT_SIGNING_KEY: "test-signing-key-0123456789abcdef0123456789abcdef",
            MFA_ENCRYPTION_KEYS: '["test-mfa-key-0123456789abcdef0123456789abcdef"]',
            MAIL_API_KEY: "re_test_key",
            MAIL_API_URL: "https://mail.test/emails",
            PUBLIC_BASE_URL: "https://api.example.test",
            THROTTLE_ENABLED: "false",
            // Tests run many hashes; the production cap is exercised by its own tests.
            PBKDF2_ITERATIONS: "1000",
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
