// Each endpoint's storage round trips, counted by test/ledger.ts, equal its row of the budget table
// in ARCHITECTURE.md ("Round-trip budget"): a change that adds a round trip fails here until the
// table says so on purpose (and a change that removes one, until the table is lowered: the latency
// model in bench/ reads the same table).
import architecture from "../ARCHITECTURE.md?raw";
import { describe, expect, it } from "vitest";
import { call, type CallOptions, confirmationKeyFor, loggedIn, newIdentity, registerVerified } from "./helpers";
import { CATEGORIES, type Category, Ledger, type RequestCost, type Tally } from "./ledger";
import { formatBudgetRow, parseBudgetTable, type Budget } from "../bench/lib/budget.mjs";

const ledger = new Ledger({
  bindings: { DB: "d1", TOKENS_KV: "kv", THROTTLE: "do" },
  // The per-user quota (USER_RATE_LIMITER) is not counted: the rate-limiting binding answers from
  // the Cloudflare location itself, no storage round trip.
  throttle: { bindings: ["THROTTLE"] },
});

const budgets: Map<string, Budget> = parseBudgetTable(architecture);

/** Throttles on (their cost is part of the budget), each request from an address of its own. */
const THROTTLED = { THROTTLE_ENABLED: "true" };
let address = 0;

async function measure(method: string, path: string, options: CallOptions = {}) {
  const headers = { "cf-connecting-ip": `198.51.100.${++address % 250}`, ...options.headers };
  return ledger.measure(() => call(method, path, { ...options, headers, env: { ...THROTTLED, ...options.env }, instrument: ledger }));
}

const pick = (tally: Tally) => Object.fromEntries(CATEGORIES.map((c) => [c, tally[c]])) as Record<Category, number>;

/** The measured cost against the table's row, with the calls in the message when they differ. */
function expectBudget(name: string, cost: RequestCost) {
  const budget = budgets.get(name);
  if (!budget) throw new Error(`ARCHITECTURE.md's round-trip table has no row "${name}"`);
  const measured = { path: pick(cost.path), deferred: pick(cost.deferred) };
  const calls = cost.calls.map((c) => `${c.deferred ? "after " : ""}${c.category}: ${c.detail}`).join("\n");
  // The message has the measured row, ready for the table once the change is meant.
  expect(measured, `${name}, calls:\n${calls}\nmeasured: ${formatBudgetRow(name, measured)}\n`).toEqual({ path: budget.path, deferred: budget.deferred });
}

describe("round-trip budget (ARCHITECTURE.md)", () => {
  it("the table parses and names every measured endpoint", () => {
    expect(budgets.size).toBeGreaterThanOrEqual(14);
  });

  it("login", async () => {
    const me = await registerVerified("rtlogin");
    const { result, cost } = await measure("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
    expect(result.status).toBe(200);
    expectBudget("login", cost);
  });

  it("registration", async () => {
    const me = newIdentity("rtreg");
    const { result, cost } = await measure("POST", "/auth/registration/", {
      body: { username: me.username, email: me.email, password1: me.password, password2: me.password },
    });
    expect(result.status).toBe(201);
    expectBudget("registration", cost);
  });

  it("verify-email", async () => {
    const me = newIdentity("rtverify");
    const registered = await call("POST", "/auth/registration/", {
      body: { username: me.username, email: me.email, password1: me.password, password2: me.password },
    });
    expect(registered.status).toBe(201);
    const { result, cost } = await measure("POST", "/auth/registration/verify-email/", { body: { key: confirmationKeyFor(me.email) } });
    expect(result.status).toBe(200);
    expectBudget("verify-email", cost);
  });

  it("token refresh", async () => {
    const me = await loggedIn("rtrefresh");
    const { result, cost } = await measure("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } });
    expect(result.status).toBe(200);
    expectBudget("token refresh", cost);
  });

  it("logout", async () => {
    const me = await loggedIn("rtlogout");
    const { result, cost } = await measure("POST", "/auth/logout/", { body: { refresh: me.refresh } });
    expect(result.status).toBe(200);
    expectBudget("logout", cost);
  });

  it("token/verify, access token", async () => {
    const me = await loggedIn("rtverifya");
    const { result, cost } = await measure("POST", "/auth/token/verify/", { body: { token: me.access } });
    expect(result.status).toBe(200);
    expectBudget("token/verify (access)", cost);
  });

  it("token/verify, refresh token", async () => {
    const me = await loggedIn("rtverifyr");
    const { result, cost } = await measure("POST", "/auth/token/verify/", { body: { token: me.refresh } });
    expect(result.status).toBe(200);
    expectBudget("token/verify (refresh)", cost);
  });

  it("GET user/ (the session check of every authenticated GET)", async () => {
    const me = await loggedIn("rtuser");
    const { result, cost } = await measure("GET", "/auth/user/", { token: me.access });
    expect(result.status).toBe(200);
    expectBudget("GET user/", cost);
  });

  it("GET user/ right after login, the replica not yet holding the family: the primary answers", async () => {
    const me = await loggedIn("rtlag");
    ledger.replicaMode = "missing-rows";
    try {
      const { result, cost } = await measure("GET", "/auth/user/", { token: me.access });
      expect(result.status).toBe(200);
      expect(result.body.pk).toBe(me.pk);
      expectBudget("GET user/, replica behind", cost);
    } finally {
      ledger.replicaMode = "current";
    }
  });

  it("token/verify right after a rotation the replica has not seen: the primary answers", async () => {
    const me = await loggedIn("rtlagrot");
    const rotated = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } });
    expect(rotated.status).toBe(200);
    ledger.replicaMode = "missing-rows";
    try {
      const { result, cost } = await measure("POST", "/auth/token/verify/", { body: { token: rotated.body.refresh } });
      expect(result.status).toBe(200);
      expectBudget("token/verify (refresh), replica behind", cost);
    } finally {
      ledger.replicaMode = "current";
    }
  });

  it("a revoked session is refused from the replica without asking the primary", async () => {
    const me = await loggedIn("rtrevoked");
    expect((await call("POST", "/auth/logout/", { body: { refresh: me.refresh } })).status).toBe(200);
    const { result, cost } = await measure("GET", "/auth/user/", { token: me.access });
    expect(result.status).toBe(401);
    expect(cost.path.d1Primary).toBe(0);
    expect(cost.path.d1Replica).toBe(1);
  });

  it("PATCH user/", async () => {
    const me = await loggedIn("rtpatch");
    const { result, cost } = await measure("PATCH", "/auth/user/", { token: me.access, body: { first_name: "Ada" } });
    expect(result.status).toBe(200);
    expectBudget("PATCH user/", cost);
  });

  it("password change", async () => {
    const me = await loggedIn("rtchange");
    const next = "a brand new passphrase 42";
    const { result, cost } = await measure("POST", "/auth/password/change/", {
      token: me.access,
      body: { old_password: me.password, new_password1: next, new_password2: next },
    });
    expect(result.status).toBe(200);
    expectBudget("password change", cost);
  });

  it("password reset request", async () => {
    const me = await registerVerified("rtreset");
    const { result, cost } = await measure("POST", "/auth/password/reset/", { body: { email: me.email } });
    expect(result.status).toBe(200);
    expectBudget("password reset request", cost);
  });

  it("GET sessions/", async () => {
    const me = await loggedIn("rtsessions");
    const { result, cost } = await measure("GET", "/auth/sessions/", { token: me.access });
    expect(result.status).toBe(200);
    expectBudget("GET sessions/", cost);
  });
});
