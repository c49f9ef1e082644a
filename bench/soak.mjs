// Soak (by hand, not in CI): mixed flows against `npm start` on 127.0.0.1 for a bounded time and
// request count, with a local mail sink that fails some deliveries (503, 429, and a few 422), then a
// consistency check of the local D1 through `wrangler d1 execute --local`:
// every user has its profile, every family is consistent with what its client holds, every queued
// mail reached the sink exactly once (or is dead with the sink's reason), no event lost.
//
//   node bench/soak.mjs [--duration 60] [--max-requests 20000] [--concurrency 8] [--port 18799] [--sink-port 18798]
//
// Only loopback is used. The cron is driven through wrangler dev's /__scheduled (--test-scheduled).
import { spawn, spawnSync } from "node:child_process";
import { openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: {
    duration: { type: "string", default: "60" },
    "max-requests": { type: "string", default: "20000" },
    concurrency: { type: "string", default: "8" },
    port: { type: "string", default: "18799" },
    "sink-port": { type: "string", default: "18798" },
    "drain-seconds": { type: "string", default: "200" },
  },
});
const DURATION_MS = Number(opts.duration) * 1000;
const MAX_REQUESTS = Number(opts["max-requests"]);
const CONCURRENCY = Number(opts.concurrency);
const HOST = "127.0.0.1";
const BASE = `http://${HOST}:${opts.port}`;
const RUN = `soak${Date.now().toString(36)}`;
// Outside the project: wrangler dev restarts the Worker when files under it change.
const LOG = join(tmpdir(), `${RUN}.server.log`);
const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "another horse battery staple";

// ---------------------------------------------------------------- mail sink (the provider, faulty)
/** Accepted deliveries by idempotency key, and every attempt. */
const sink = { accepted: new Map(), attempts: 0, malformed: [], refused: { 503: 0, 429: 0, 422: 0 }, byAddress: new Map() };
let sinkHealthy = false;
const sinkServer = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    sink.attempts++;
    const key = req.headers["idempotency-key"] ?? "";
    let mail;
    try {
      mail = JSON.parse(body);
    } catch {
      mail = undefined;
    }
    if (!Array.isArray(mail?.to)) {
      // Not a mail (a delivery cut off mid-body, or a stray request): refused, and reported.
      sink.malformed.push(`${req.method} ${req.url} ${body.slice(0, 120)}`);
      return res.writeHead(400).end("not a mail");
    }
    const roll = Math.random();
    // A 422 is the provider refusing the message for good: the outbox keeps it dead with this reason.
    if (!sinkHealthy && roll < 0.02) return refuse(res, 422, `{"message":"soak: refused ${key}"}`);
    if (!sinkHealthy && roll < 0.12) return refuse(res, 503, "soak: unavailable");
    if (!sinkHealthy && roll < 0.17) return refuse(res, 429, "soak: slow down");
    const list = sink.accepted.get(key) ?? [];
    list.push(mail);
    sink.accepted.set(key, list);
    const to = mail.to[0];
    sink.byAddress.set(to, [...(sink.byAddress.get(to) ?? []), mail]);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: key }));
  });
});
function refuse(res, status, text) {
  sink.refused[status]++;
  res.writeHead(status).end(text);
}

// ---------------------------------------------------------------- the API under test
let requests = 0;
const statusCounts = new Map();
const serverErrors = [];
const networkErrors = [];
const devRestarts = [];
async function api(method, path, { body, token } = {}) {
  requests++;
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(`${BASE}/auth/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    // The connection itself failed (wrangler dev dropped it): counted apart, and the flow stops here.
    networkErrors.push(`${method} ${path}: ${error.cause?.code ?? error.message}`);
    return { status: 0, body: undefined };
  }
  const text = await response.text();
  statusCounts.set(response.status, (statusCounts.get(response.status) ?? 0) + 1);
  // wrangler dev's own answer when its workerd process restarted: the dev server, not the API.
  if (response.status === 503 && text.startsWith("Your worker restarted")) devRestarts.push(`${method} ${path}`);
  else if (response.status >= 500) serverErrors.push(`${method} ${path} -> ${response.status} ${text.slice(0, 200)}`);
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, body: json };
}

const jwt = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The newest accepted mail to `address` whose subject contains `subject` (waits up to `ms`). */
async function mailFor(address, subject, after = 0, ms = 3000) {
  const until = Date.now() + ms;
  for (;;) {
    const found = (sink.byAddress.get(address) ?? []).filter((m) => m.subject.includes(subject));
    if (found.length > after) return found.at(-1);
    if (Date.now() > until) return null;
    await sleep(50);
  }
}

// What the clients did, to check D1 against.
const expected = { users: new Map(), events: new Map(), mails: 0 };
const expectEvent = (type) => expected.events.set(type, (expected.events.get(type) ?? 0) + 1);

/** One user's life: sign up, verify, log in, refresh, edit, reset, log in again, log out. */
async function life(n, deadline) {
  const username = `${RUN}u${n}`;
  const email = `${username}@example.test`;
  const user = { username, email, families: new Map(), parked: false };
  expected.users.set(username, user);
  const reg = await api("POST", "registration/", { body: { username, email, password1: PASSWORD, password2: PASSWORD } });
  if (reg.status !== 201) return;
  expectEvent("register");
  expected.mails++;
  const confirmation = await mailFor(email, "confirm");
  if (!confirmation) {
    // The sink refused it: the outbox retries after the backoff; this user is checked at the end only.
    user.parked = true;
    return;
  }
  const key = /Confirmation key: (\S+)/.exec(confirmation.text)[1];
  if ((await api("POST", "registration/verify-email/", { body: { key } })).status !== 200) return;
  expectEvent("email_verified");
  let login = await api("POST", "login/", { body: { username, password: PASSWORD } });
  if (login.status !== 200) return;
  expectEvent("login");
  let { access, refresh } = login.body;
  user.families.set(jwt(refresh).fam, { held: jwt(refresh).jti, loggedOut: false, reset: false });
  for (let i = 0; i < 3 && Date.now() < deadline; i++) {
    // Sometimes two tabs refresh at once: within the reuse interval both get the same token.
    const answers = await Promise.all(Math.random() < 0.3 ? [api("POST", "token/refresh/", { body: { refresh } }), api("POST", "token/refresh/", { body: { refresh } })] : [api("POST", "token/refresh/", { body: { refresh } })]);
    const ok = answers.find((a) => a.status === 200);
    if (!ok) return;
    if (answers.some((a) => a.status === 200 && a.body.refresh !== ok.body.refresh)) serverErrors.push("two different refresh tokens from one double refresh");
    ({ access, refresh } = ok.body);
    user.families.get(jwt(refresh).fam).held = jwt(refresh).jti;
  }
  if ((await api("PATCH", "user/", { token: access, body: { first_name: `First${n}` } })).status === 200) expectEvent("user_updated");
  if ((await api("PATCH", "profile/", { token: access, body: { bio: `soak ${n}` } })).status === 200) expectEvent("profile_updated");
  await api("GET", "dashboard/", { token: access });
  if (Math.random() < 0.5 && Date.now() < deadline) {
    const before = (sink.byAddress.get(email) ?? []).filter((m) => m.subject.includes("Password reset")).length;
    if ((await api("POST", "password/reset/", { body: { email } })).status !== 200) return;
    expectEvent("password_reset_requested");
    expected.mails++;
    const mail = await mailFor(email, "Password reset", before);
    if (!mail) return;
    const uid = /uid: (\S+)/.exec(mail.text)[1];
    const token = /token: (\S+)/.exec(mail.text)[1];
    const done = await api("POST", "password/reset/confirm/", { body: { uid, token, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD } });
    if (done.status !== 200) return;
    expectEvent("password_reset");
    expected.mails++; // the "your password was reset" notice
    for (const family of user.families.values()) family.reset = true;
    login = await api("POST", "login/", { body: { username, password: NEW_PASSWORD } });
    if (login.status !== 200) return;
    expectEvent("login");
    ({ access, refresh } = login.body);
    user.families.set(jwt(refresh).fam, { held: jwt(refresh).jti, loggedOut: false, reset: false });
  }
  if (Math.random() < 0.7) {
    const out = await api("POST", "logout/", { token: access, body: { refresh } });
    if (out.status === 200) {
      expectEvent("logout");
      user.families.get(jwt(refresh).fam).loggedOut = true;
    }
  }
}

// ---------------------------------------------------------------- D1 through wrangler
function sql(command) {
  const result = spawnSync(process.execPath, ["node_modules/wrangler/bin/wrangler.js", "d1", "execute", "DB", "--local", "--json", "--command", command], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (result.status !== 0) throw new Error(`wrangler d1 execute failed: ${result.stderr}`);
  return JSON.parse(result.stdout).flatMap((part) => part.results);
}

async function scheduled() {
  const response = await fetch(`${BASE}/__scheduled?cron=*/5+*+*+*+*`);
  await response.text();
}

// ---------------------------------------------------------------- run
async function waitForServer() {
  for (let i = 0; i < 240; i++) {
    try {
      const response = await fetch(`${BASE}/auth/csrf/`);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await sleep(500);
  }
  throw new Error("the server did not start");
}

await new Promise((resolve) => sinkServer.listen(Number(opts["sink-port"]), HOST, resolve));
const server = spawn(
  "npm",
  ["start", "--", "--port", opts.port, "--test-scheduled", "--var", "MAIL_API_KEY:soak-key", "--var", `MAIL_API_URL:http://${HOST}:${opts["sink-port"]}/emails`, "--var", "THROTTLE_ENABLED:false"],
  { stdio: ["ignore", openSync(LOG, "w"), openSync(LOG, "a")], detached: true },
);
console.error(`server log: ${LOG}`);
const stop = () => {
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {
    // already gone
  }
};
process.on("exit", stop);
let exitCode = 0;
try {
  await waitForServer();
  const started = Date.now();
  const deadline = started + DURATION_MS;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline && requests < MAX_REQUESTS) {
        await life(next++, deadline);
        if (Math.random() < 0.1) await scheduled();
      }
    }),
  );
  const loadSeconds = (Date.now() - started) / 1000;
  const loadRequests = requests;

  // Drain: the sink now accepts everything; the cron retries what it refused once its backoff is due.
  sinkHealthy = true;
  const drainUntil = Date.now() + Number(opts["drain-seconds"]) * 1000;
  let pending = -1;
  while (Date.now() < drainUntil) {
    await scheduled();
    pending = sql(`select count(*) as n from mail_outbox where status = 'pending' and json_extract(payload, '$.to[0]') like '${RUN}%'`)[0].n;
    if (pending === 0) break;
    await sleep(10_000);
  }

  // ---------------------------------------------------------------- consistency
  const problems = [];
  const users = sql(`select id, username from users where username like '${RUN}%'`);
  const signedUp = [...expected.users.values()].filter((u) => users.some((row) => row.username === u.username)).length;
  const noProfile = sql(`select count(*) as n from users u left join profiles p on p.user_id = u.id where u.username like '${RUN}%' and p.user_id is null`)[0].n;
  if (noProfile) problems.push(`${noProfile} users without a profile`);
  const families = sql(
    `select f.id, f.current_jti, f.previous_jti, f.revoked_at, f.revoked_reason from token_families f join users u on u.id = f.user_id where u.username like '${RUN}%'`,
  );
  const byId = new Map(families.map((f) => [f.id, f]));
  let familiesChecked = 0;
  for (const user of expected.users.values()) {
    for (const [id, held] of user.families) {
      familiesChecked++;
      const row = byId.get(id);
      if (!row) problems.push(`family ${id} of ${user.username} missing`);
      else if ((row.revoked_at === null) !== (row.revoked_reason === null)) problems.push(`family ${id}: revoked_at and reason disagree`);
      else if (held.loggedOut && row.revoked_reason !== "logout") problems.push(`family ${id}: logged out but ${row.revoked_reason ?? "live"}`);
      else if (held.reset && row.revoked_reason !== "password") problems.push(`family ${id}: password reset but ${row.revoked_reason ?? "live"}`);
      else if (!held.loggedOut && !held.reset && (row.revoked_at !== null || row.current_jti !== held.held)) problems.push(`family ${id}: client holds ${held.held}, D1 ${row.current_jti} ${row.revoked_reason ?? ""}`);
    }
  }
  const mails = sql(`select id, status, attempts, created_at, last_error from mail_outbox where json_extract(payload, '$.to[0]') like '${RUN}%'`);
  if (mails.length !== expected.mails) problems.push(`${expected.mails} mails queued by the flows, ${mails.length} outbox rows`);
  let sentOnce = 0;
  let dead = 0;
  for (const mail of mails) {
    const key = `outbox-${mail.id}-${mail.created_at}`;
    const deliveries = (sink.accepted.get(key) ?? []).length;
    if (mail.status === "sent") {
      if (deliveries === 1) sentOnce++;
      else problems.push(`mail #${mail.id} sent, delivered ${deliveries} times`);
    } else if (mail.status === "failed") {
      dead++;
      if (deliveries !== 0 || !/^422: /.test(mail.last_error ?? "")) problems.push(`mail #${mail.id} dead (${mail.last_error}) but delivered ${deliveries} times`);
    } else problems.push(`mail #${mail.id} still ${mail.status} after the drain`);
  }
  const direct = [...sink.accepted.keys()].filter((key) => !key.startsWith("outbox-")).length;
  if (direct) problems.push(`${direct} mails delivered without an outbox row`);
  const events = sql(`select e.event, count(*) as n from events e join users u on u.id = e.user_id where u.username like '${RUN}%' group by e.event`);
  const eventCounts = Object.fromEntries(events.map((e) => [e.event, e.n]));
  for (const [type, count] of expected.events) {
    if ((eventCounts[type] ?? 0) !== count) problems.push(`event ${type}: clients saw ${count}, D1 has ${eventCounts[type] ?? 0}`);
  }
  if (serverErrors.length) problems.push(...serverErrors.slice(0, 10));

  const report = {
    run: RUN,
    loadSeconds: Math.round(loadSeconds),
    requests: loadRequests,
    requestsWithDrain: requests,
    statuses: Object.fromEntries([...statusCounts].sort()),
    connectionErrors: networkErrors.length,
    devServerRestarts: devRestarts,
    usersSignedUp: signedUp,
    usersParked: [...expected.users.values()].filter((u) => u.parked).length,
    familiesChecked,
    mailsQueued: mails.length,
    mailsSentOnce: sentOnce,
    mailsDead422: dead,
    sinkAttempts: sink.attempts,
    sinkRefused: sink.refused,
    sinkMalformed: sink.malformed,
    pendingAfterDrain: pending,
    events: eventCounts,
    problems,
  };
  console.log(JSON.stringify(report, null, 2));
  if (problems.length) exitCode = 1;
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  stop();
  sinkServer.close();
}
process.exit(exitCode);
