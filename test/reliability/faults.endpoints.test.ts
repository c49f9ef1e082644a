// Every declared operation, through its good conformance cases (test/conformance/: every operation
// has them, so a new endpoint is covered here without a line): a D1 fault at each round trip of the
// operation's own request answers 503 with D1 unchanged, or hits only what is written after the answer.
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { allEndpoints } from "../../src/features";
import { CASES, LEGACY_PREFIX } from "../conformance";
import { setBindingsHook } from "../helpers";
import { type FaultPlan, faultyBindings, newFaultCounter, snapshot, WRITTEN_AFTER_RESPONSE } from "../faults";

const AFTER_RESPONSE_SQL = new RegExp(`^(insert into|update|delete from) "(${[...WRITTEN_AFTER_RESPONSE].join("|")})"`);
/**
 * Known gaps, each asserted to still be one (so a fix must remove its line): mfa/authenticate/ spends
 * the code and the ticket in one batch and starts the session in the next, so an outage between the
 * two leaves the ticket used and no session (the user logs in again from the password step).
 */
const NOT_YET_ATOMIC: Record<string, { batch: number; why: string }> = {
  mfaAuthenticate: { batch: 2, why: "the session starts in a second batch after the ticket and code are spent" },
};
let injected = 0;
let operations = 0;

afterEach(() => setBindingsHook(null));
afterAll(() => console.log(`faults.endpoints: ${injected} D1 faults injected into ${operations} operations' good cases`));

/** Runs a case with every call's bindings wrapped; `beforeRequest(i)` runs before request i. */
async function runCase(send: (env: Record<string, string>) => Promise<{ status: number; body: any; headers: Headers; text: string }>, vars: Record<string, string>, plan: FaultPlan, beforeRequest?: (index: number) => Promise<void>) {
  const counter = newFaultCounter();
  counter.requests = -1;
  setBindingsHook(async (base) => {
    counter.requests++;
    await beforeRequest?.(counter.requests);
    return faultyBindings(plan, base, counter).env;
  });
  try {
    try {
      return { response: await send(vars), counter, thrown: null };
    } catch (error) {
      // Some cases check their own setup's answers and throw on a 503 of the operation itself.
      return { response: null, counter, thrown: error instanceof Error ? error.message : String(error) };
    }
  } finally {
    setBindingsHook(null);
  }
}

describe.each(allEndpoints.map(({ declaration }) => [declaration.operationId] as const))("%s", (operationId) => {
  const good = CASES[operationId]?.good ?? [];
  it.each(good.map((testCase) => [testCase.name, testCase] as const))("good case %s: a D1 fault at each round trip of its request", { timeout: 300_000 }, async (_name, testCase) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const vars = { ...(testCase.env ?? {}), ...(testCase.legacy ? { LEGACY_ACCOUNTS_PREFIX: LEGACY_PREFIX } : {}) };
    const clean = await runCase(testCase.send, vars, {});
    expect(clean.response?.status, clean.thrown ?? "").toBe(testCase.status);
    // A case that cannot be sent twice (a fixed new username) is not repeatable: the fault runs need it to be.
    const again = await runCase(testCase.send, vars, {});
    if (again.response?.status !== testCase.status || again.counter.d1Calls !== clean.counter.d1Calls) return;
    const last = clean.counter.requests;
    const ownCalls = clean.counter.calls.filter((c) => c.binding === "DB" && c.request === last);
    const own = ownCalls.map((c) => c.index);
    /** Which batch of the request (1-based) a call is, or 0. */
    const batchNumber = (position: number) => (ownCalls[position]!.what.startsWith("batch[") ? ownCalls.slice(0, position + 1).filter((c) => c.what.startsWith("batch[")).length : 0);
    if (own.length === 0) return;
    operations++;
    for (const [position, at] of own.entries()) {
      let before: Awaited<ReturnType<typeof snapshot>> | undefined;
      const run = await runCase(testCase.send, vars, { d1At: at, mode: at % 2 ? "timeout" : "error" }, async (index) => {
        if (index === last) before = await snapshot();
      });
      const failed = run.counter.calls.find((c) => c.failed);
      // The setup before the operation's request made the same round trips as in the clean run.
      expect(failed?.request, `${operationId}: the fault at ${at} fell outside the operation's request`).toBe(last);
      injected++;
      const { response } = run;
      if (response === null) {
        // The case's own check threw on the operation's answer: it must have been the 503.
        expect(run.thrown).toContain("Service temporarily unavailable.");
        expect(await snapshot(), `${operationId}: D1 changed by a request failed at ${failed!.what}`).toEqual(before);
      } else if (response.status === 503) {
        expect(response.body).toEqual({ detail: "Service temporarily unavailable." });
        expect(response.headers.get("retry-after")).toBe("5");
        const gap = NOT_YET_ATOMIC[operationId];
        if (gap && gap.batch === batchNumber(position)) {
          expect(await snapshot(), `${operationId}: known gap (${gap.why}) no longer there: remove it from NOT_YET_ATOMIC`).not.toEqual(before);
          continue;
        }
        expect(await snapshot(), `${operationId}: D1 changed by a request failed at ${failed!.what}`).toEqual(before);
      } else {
        expect(response.status, `${operationId} at ${failed!.what}: ${response.text.slice(0, 200)}`).toBe(testCase.status);
        expect(failed!.what).toMatch(AFTER_RESPONSE_SQL);
      }
    }
  });
});
