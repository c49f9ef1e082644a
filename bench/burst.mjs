// Parallel-burst check of the throttles (issue 8), not run by CI: starts `npm start` on 127.0.0.1 with
// the mail API pointed at a local sink, then fires BURST_N (default 100) requests at once against
//   1. login/ for one account, all with the right password      (limit: 5/min per account, 10/min per IP)
//   2. password/reset/ for one address                           (limit: 5/hour per address, 20/min per IP)
//   3. registration/, each for a new account, from one IP         (limit: 5/min per IP)
// and prints how many got through: logins answered 200, reset mails the sink received, accounts created.
//
//   node bench/burst.mjs [--dir <checkout>] [--port 8799] [--n 100]
//
// --dir runs another checkout's `npm start` (e.g. a worktree of main, for the "before" figure). Only
// 127.0.0.1 is contacted; every burst is BURST_N requests, once.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { dir: { type: "string", default: "." }, port: { type: "string", default: "8799" }, n: { type: "string", default: "100" } },
});
const dir = path.resolve(values.dir);
const port = Number(values.port);
const n = Math.min(Number(values.n), 500);
const base = `http://127.0.0.1:${port}/auth/`;

/** The mail API the Worker posts to: keeps every message (Resend's JSON shape). */
const mails = [];
const sink = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    try {
      mails.push(JSON.parse(body));
    } catch {
      // not a mail
    }
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: randomBytes(8).toString("hex") }));
  });
});
// Node closes idle keep-alive sockets after 5 s; workerd may reuse one just then and get a reset.
sink.keepAliveTimeout = 120_000;
await new Promise((resolve) => sink.listen(0, "127.0.0.1", resolve));
const sinkUrl = `http://127.0.0.1:${sink.address().port}/emails`;

const server = spawn("node", ["scripts/dev.mjs", "--port", String(port), "--var", `MAIL_API_URL:${sinkUrl}`, "--var", "MAIL_API_KEY:re_local_sink", "--log-level", process.env.BURST_LOG_LEVEL ?? "warn"], {
  cwd: dir,
  stdio: ["ignore", "pipe", "pipe"],
  detached: true,
});
let serverLog = "";
server.stdout.on("data", (chunk) => (serverLog += chunk));
server.stderr.on("data", (chunk) => (serverLog += chunk));
const stop = () => {
  if (process.env.BURST_LOG_FILE) writeFileSync(process.env.BURST_LOG_FILE, serverLog);
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {
    // already gone
  }
  sink.close();
};
process.on("exit", stop);

// Client addresses of this run: local counters persist in .wrangler/state between runs.
const net = `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

async function post(route, body, ip = `${net}.1`) {
  const response = await fetch(base + route, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": ip },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text.slice(0, 300);
  }
  return { status: response.status, body: parsed };
}

async function waitForServer() {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${base}registration/verified/`)).status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`npm start did not come up on ${port}:\n${serverLog}`);
}

const tally = (answers) => Object.entries(answers.reduce((seen, { status }) => ({ ...seen, [status]: (seen[status] ?? 0) + 1 }), {})).map(([status, count]) => `${count}×${status}`).join(", ");

try {
  await waitForServer();
  // wrangler's build step rewrites src/lazy/generated/ and its watcher then restarts the Worker once,
  // seconds after the first answer: a burst in flight then gets 503s that are not ours.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  await waitForServer();
  const tag = randomBytes(4).toString("hex");
  const me = { username: `burst${tag}`, email: `burst${tag}@example.com`, password: "correct horse battery staple" };
  // Set-up from an address of its own, so it spends none of the bursts' per-IP budgets.
  const registered = await post("registration/", { username: me.username, email: me.email, password1: me.password, password2: me.password }, `${net}.2`);
  if (registered.status !== 201) throw new Error(`set-up registration: ${registered.status} ${JSON.stringify(registered.body)}`);
  const key = /Confirmation key: (\S+)/.exec(mails.findLast((mail) => mail.to.includes(me.email))?.text ?? "")?.[1];
  if (!key || (await post("registration/verify-email/", { key }, `${net}.3`)).status !== 200) throw new Error("set-up verification failed");

  const logins = await Promise.all(Array.from({ length: n }, () => post("login/", { username: me.username, password: me.password }, `${net}.10`)));
  const before = mails.length;
  const resets = await Promise.all(Array.from({ length: n }, () => post("password/reset/", { email: me.email }, `${net}.20`)));
  await new Promise((resolve) => setTimeout(resolve, 2000)); // mail leaves after the response (waitUntil)
  const resetMails = mails.slice(before).filter((mail) => mail.to.includes(me.email)).length;
  const signups = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const name = `burst${tag}r${i}`;
      return post("registration/", { username: name, email: `${name}@example.com`, password1: me.password, password2: me.password }, `${net}.30`);
    }),
  );

  const odd = [...logins, ...resets, ...signups].find((a) => a.status >= 500);
  if (odd) console.log("a 5xx answer:", odd.status, JSON.stringify(odd.body));
  console.log(`checkout: ${dir}`);
  console.log(`login, one account, ${n} parallel, right password: ${logins.filter((a) => a.status === 200).length} logged in (${tally(logins)})`);
  console.log(`password/reset/, one address, ${n} parallel: ${resetMails} reset mails delivered (${tally(resets)})`);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  // Accounts by their confirmation mails, so a request whose answer got lost is counted if it made one.
  const accounts = new Set(mails.flatMap((mail) => mail.to).filter((to) => to.startsWith(`burst${tag}r`))).size;
  console.log(`registration/, one IP, ${n} parallel: ${accounts} accounts created (${tally(signups)})`);
} finally {
  stop();
}
process.exit(0);
