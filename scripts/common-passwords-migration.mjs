// Writes the SQL that seeds the common_passwords table from data/common-passwords.txt.
// Usage: node scripts/common-passwords-migration.mjs > migrations/NNNN_seed_common_passwords.sql
// (into a new custom migration made by `npx drizzle-kit generate --custom`; landed ones stay as they are).
import { readFileSync } from "node:fs";

const words = [
  ...new Set(
    readFileSync(new URL("../data/common-passwords.txt", import.meta.url), "utf8")
      .split("\n")
      .map((line) => line.trim().toLowerCase())
      .filter(Boolean),
  ),
].sort();
const quote = (value) => `'${value.replaceAll("'", "''")}'`;
const ROWS_PER_STATEMENT = 500; // well under D1's 100 KB statement limit
const statements = [];
for (let i = 0; i < words.length; i += ROWS_PER_STATEMENT) {
  const rows = words.slice(i, i + ROWS_PER_STATEMENT).map((word) => `(${quote(word)})`);
  statements.push(`INSERT OR IGNORE INTO \`common_passwords\` (\`password\`) VALUES\n${rows.join(",\n")};`);
}
process.stdout.write(`-- ${words.length} common passwords from data/common-passwords.txt (see data/README.md).\n${statements.join("\n--> statement-breakpoint\n")}\n`);
