// A D1 fault at each round trip of every write flow: the request answers 503 (JSON, Retry-After,
// request id in the header and the log) and D1 is exactly as before it; or the fault hit what is
// written after the response (history, mail outbox) and the request's own answer stands.
import { afterAll, describe, expect, it, vi } from "vitest";
import { call, envWith } from "../helpers";
import { faultTotals, faultyBindings, snapshot, WRITTEN_AFTER_RESPONSE } from "../faults";
import { type FlowRequest, WRITE_FLOWS } from "./flows";

const UNAVAILABLE = { detail: "Service temporarily unavailable." };
const AFTER_RESPONSE_SQL = new RegExp(`^(insert into|update|delete from) "(${[...WRITTEN_AFTER_RESPONSE].join("|")})"`);

const send = (request: FlowRequest, bindings = envWith(request.env)) => call(request.method, request.path, { ...request, bindings });

let requests = 0;
afterAll(() => {
  console.log(`faults.writes: ${faultTotals.injected} D1 faults injected over ${requests} requests`);
});

describe.each(WRITE_FLOWS)("$name under a D1 fault at each round trip", (flow) => {
  it("fails whole with 503 or not at all", { timeout: 120_000 }, async () => {
    const clean = faultyBindings({}, envWith((await flow.setup()).env));
    const request = await flow.setup();
    const ok = await send(request, faultyBindings({}, envWith(request.env)).env);
    expect(ok.status, ok.text).toBe(flow.status);
    void clean;
    const counted = faultyBindings({}, envWith(request.env));
    const fresh = await flow.setup();
    await send(fresh, counted.env);
    const rounds = counted.d1Calls;
    expect(rounds).toBeGreaterThan(0);

    for (let at = 0; at < rounds; at++) {
      const attempt = await flow.setup();
      const faulty = faultyBindings({ d1At: at, mode: at % 2 === 0 ? "error" : "timeout" }, envWith(attempt.env));
      const errors = vi.spyOn(console, "error").mockImplementation(() => {});
      const before = await snapshot();
      const response = await send(attempt, faulty.env);
      requests++;
      const failedCall = faulty.calls.find((c) => c.failed);
      expect(failedCall, `call ${at} of ${rounds}`).toBeDefined();
      if (response.status === 503) {
        expect(response.body).toEqual(UNAVAILABLE);
        expect(response.headers.get("retry-after")).toBe("5");
        const id = response.headers.get("x-request-id");
        expect(id).toBeTruthy();
        expect(errors.mock.calls.some((args) => String(args[0]).includes(`request ${id}`))).toBe(true);
        expect(await snapshot(), `${flow.name}: D1 changed by a request failed at call ${at} (${failedCall!.what})`).toEqual(before);
      } else {
        // Only work done after the answer may fail without failing the request.
        expect(response.status, `${flow.name} at call ${at} (${failedCall!.what}): ${response.text}`).toBe(flow.status);
        expect(failedCall!.what).toMatch(AFTER_RESPONSE_SQL);
      }
      errors.mockRestore();
    }
  });
});
