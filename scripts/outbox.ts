// `npm run outbox -- [list] (--local [--persist-to DIR] | --remote) [--env NAME] [--all]` lists pending and
// dead mail; `npm run outbox -- resend <id> (--local | --remote)` queues a dead mail again for the next cron run.
// Both are SQL through `wrangler d1 execute`, like the Django import: nothing here talks to the Worker.
import { d1Query, parseD1Cli } from "./d1-cli";

const USAGE = `Usage: npm run outbox -- [list] (--local [--persist-to DIR] | --remote) [--env NAME] [--database DB] [--config FILE] [--all] [--json]
       npm run outbox -- resend <id> (--local [--persist-to DIR] | --remote) [--env NAME] [--database DB] [--config FILE]
list: pending and dead (status failed) mail, newest first (--all adds sent rows, whose body is already purged).
resend: a dead mail whose body is still there goes back to pending, due at once, its age counted anew;
        the next cron run (every 5 minutes) delivers it.`;

const cli = parseD1Cli(USAGE, ["all", "json"] as const, true);
const { opts, positionals } = cli;
// Annotated, so that TypeScript knows code after a call to it does not run.
const fail: (message: string) => never = cli.fail;

interface Row {
  id: number;
  status: string;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  expires_at: number | null;
  last_error: string | null;
  recipient: string | null;
  subject: string | null;
  has_body: number;
}

/** Runs one statement with wrangler and returns its rows. */
function execute(command: string): Array<Record<string, unknown>> {
  try {
    return d1Query<Record<string, unknown>>(opts, command);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));

const COLUMNS = `id, status, attempts, next_attempt_at, created_at, expires_at, last_error,
  json_extract(payload, '$.to[0]') as recipient, json_extract(payload, '$.subject') as subject,
  json_extract(payload, '$.text') is not null as has_body`;

function list(): void {
  const where = opts.all ? "" : "where status in ('pending', 'failed')";
  const rows = execute(`select ${COLUMNS} from mail_outbox ${where} order by id desc limit 500`) as unknown as Row[];
  if (opts.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const dead = rows.filter((r) => r.status === "failed").length;
  const pending = rows.filter((r) => r.status === "pending").length;
  console.log(`${pending} pending, ${dead} dead${opts.all ? `, ${rows.length - pending - dead} sent` : ""}`);
  for (const row of rows) {
    const state = row.status === "failed" ? "DEAD" : row.status === "pending" ? "PENDING" : "sent";
    const when = row.status === "pending" ? ` next ${iso(row.next_attempt_at)}` : "";
    const body = row.has_body ? (row.status === "failed" ? " (resendable)" : "") : " (body purged)";
    console.log(`#${row.id} ${state} attempts=${row.attempts} queued ${iso(row.created_at)}${when} link-expires ${iso(row.expires_at)} to=${row.recipient} subject=${JSON.stringify(row.subject)}${body}`);
    if (row.last_error) console.log(`    reason: ${row.last_error}`);
  }
}

function resend(id: number): void {
  const now = `cast(strftime('%s', 'now') as integer) * 1000`;
  const updated = execute(
    `update mail_outbox set status = 'pending', next_attempt_at = 0, created_at = ${now},
       last_error = 'resend requested; was: ' || coalesce(last_error, 'none')
     where id = ${id} and status = 'failed' and json_extract(payload, '$.text') is not null
       and (expires_at is null or expires_at > ${now}) returning id`,
  );
  if (updated.length === 1) {
    console.log(`#${id} is pending again; the next cron run delivers it.`);
    return;
  }
  const [row] = execute(`select ${COLUMNS} from mail_outbox where id = ${id}`) as unknown as Row[];
  if (!row) fail(`No mail #${id}.`);
  if (row.status !== "failed") fail(`#${id} is ${row.status}, not dead: nothing to resend.`);
  fail(`#${id}'s link has expired and its body was purged: the user has to ask again (reset or resend-email).`);
}

const [verb = "list", arg] = positionals;
if (verb === "list") list();
else if (verb === "resend") {
  const id = Number(arg);
  if (!Number.isSafeInteger(id) || id <= 0) fail("resend takes a mail id (the # in the list).");
  resend(id);
} else fail(`Unknown command ${verb}.`);
