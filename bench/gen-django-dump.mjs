// Writes a synthetic dumpdata file shaped like a real one (scripts/django-fixtures.py) for the import's
// throughput and memory: N users with Django 3.2 pbkdf2 hashes (well-formed, not derived: the import never
// verifies), a primary address each, a secondary one for every 10th user, a social account for every 5th.
//   node bench/gen-django-dump.mjs 100000 /tmp/dump-100k.json
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";

const users = Number(process.argv[2] ?? 100_000);
const out = createWriteStream(process.argv[3] ?? `/tmp/django-dump-${users}.json`);
const write = (s) => (out.write(s) ? undefined : new Promise((resolve) => out.once("drain", resolve)));
const when = (i) => new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString();
const names = ["Zoë", "O'Brien", "Łukasz", "Ægir", "Siân", "José", "Nguyễn", "Ölçer", "Renée", "Bob 🚀"];

let first = true;
async function record(model, pk, fields) {
  await write(`${first ? "[\n" : ",\n"}${JSON.stringify({ model, pk, fields }, null, 1)}`);
  first = false;
}

for (let i = 1; i <= users; i++) {
  const hash = `pbkdf2_sha256$260000$${randomBytes(16).toString("base64url").slice(0, 22)}$${randomBytes(32).toString("base64")}`;
  await record("auth.user", i, {
    password: hash, last_login: i % 3 ? when(i + 1000) : null, is_superuser: false, username: `user${i}`,
    first_name: names[i % names.length], last_name: names[(i * 7) % names.length], email: `user${i}@example.com`,
    is_staff: false, is_active: i % 50 !== 0, date_joined: when(i), groups: [], user_permissions: [],
  });
}
let address = 0;
for (let i = 1; i <= users; i++) {
  await record("account.emailaddress", ++address, { user: [`user${i}`], email: `user${i}@example.com`, verified: i % 4 !== 0, primary: true });
  if (i % 10 === 0) await record("account.emailaddress", ++address, { user: [`user${i}`], email: `old${i}@example.org`, verified: true, primary: false });
}
let social = 0;
for (let i = 5; i <= users; i += 5) {
  await record("socialaccount.socialaccount", ++social, {
    user: [`user${i}`], provider: i % 10 ? "google" : "github", uid: String(1e11 + i), last_login: when(i + 2000), date_joined: when(i),
    extra_data: { email: `user${i}@example.com`, name: names[i % names.length], email_verified: true },
  });
}
await write("\n]\n");
out.end();
