// The ledger's own rules, on real D1 and KV: what counts as a primary round trip, a replica read,
// a KV read or write, a throttle call, a Durable Object call, and what counts as after the response.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../src/config";
import { outbox } from "./helpers";
import { Ledger } from "./ledger";

const base = env as unknown as Bindings;

function ledgerWith(extra: Record<string, "do"> = {}, throttleBindings: string[] = []) {
  return new Ledger({
    bindings: { DB: "d1", TOKENS_KV: "kv", ...extra },
    throttle: { kvPrefix: "throttle:", sql: /\bthrottle/i, bindings: throttleBindings },
  });
}

describe("the round-trip ledger", () => {
  it("counts reads and writes on the database itself as primary round trips, a batch as one", async () => {
    const ledger = ledgerWith();
    const wrapped = ledger.env(base);
    const { cost } = await ledger.measure(async () => {
      await wrapped.DB.prepare("select 1").first();
      await wrapped.DB.batch([wrapped.DB.prepare("select ?").bind(1), wrapped.DB.prepare("select ?").bind(2)]);
    });
    expect(cost.path.d1Primary).toBe(2);
    expect(cost.path.d1Replica).toBe(0);
  });

  it("counts a session's reads as replica reads until the session writes; first-primary's first query goes to the primary", async () => {
    const ledger = ledgerWith();
    const wrapped = ledger.env(base);
    const { cost } = await ledger.measure(async () => {
      const nearby = wrapped.DB.withSession("first-unconstrained");
      await nearby.prepare("select 1").first();
      await nearby.prepare("select 2").all();
      await nearby.prepare("update users set first_name = first_name where id = -1").run();
      await nearby.prepare("select 3").first();
      const anchored = wrapped.DB.withSession("first-primary");
      await anchored.prepare("select 4").first();
      await anchored.prepare("select 5").first();
    });
    expect(cost.path).toMatchObject({ d1Replica: 3, d1Primary: 3 });
  });

  it("sorts KV calls into reads and writes, and throttle keys into their own category", async () => {
    const ledger = ledgerWith();
    const wrapped = ledger.env(base);
    const { cost } = await ledger.measure(async () => {
      await wrapped.TOKENS_KV.get("ledger:a");
      await wrapped.TOKENS_KV.put("ledger:a", "1");
      await wrapped.TOKENS_KV.delete("ledger:a");
      await wrapped.TOKENS_KV.get("throttle:x");
    });
    expect(cost.path).toMatchObject({ kvRead: 1, kvWrite: 2, throttle: 1 });
  });

  it("counts every method called on a Durable Object stub, as the throttle's when the binding is", async () => {
    const calls: string[] = [];
    const stub = { fetch: async () => (calls.push("fetch"), new Response("ok")), hit: async () => (calls.push("hit"), 1), id: "x" };
    const namespace = { idFromName: (name: string) => name, get: () => stub, getByName: () => stub } as unknown as DurableObjectNamespace;
    const ledger = ledgerWith({ LIMITS: "do", OBJECTS: "do" }, ["LIMITS"]);
    const wrapped = ledger.env({ ...base, LIMITS: namespace, OBJECTS: namespace } as unknown as Bindings) as unknown as Record<string, DurableObjectNamespace>;
    const { cost } = await ledger.measure(async () => {
      const limits = wrapped.LIMITS!.getByName("ip");
      await (limits as unknown as typeof stub).hit();
      await wrapped.OBJECTS!.get(wrapped.OBJECTS!.idFromName("a")).fetch("https://do/");
    });
    expect(calls).toEqual(["hit", "fetch"]);
    expect(cost.path).toMatchObject({ throttle: 1, do: 1 });
  });

  it("counts work handed to waitUntil as it starts, and everything after the response, as deferred", async () => {
    const ledger = ledgerWith();
    const wrapped = ledger.env(base);
    const waited: Promise<unknown>[] = [];
    const ctx = ledger.context({ waitUntil: (p: Promise<unknown>) => waited.push(p), passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext);
    const { cost } = await ledger.measure(async () => {
      await wrapped.DB.prepare("select 1").first();
      ctx.waitUntil(wrapped.TOKENS_KV.put("ledger:b", "1"));
      await wrapped.DB.prepare("select 2").first();
      ledger.responded();
      await wrapped.DB.prepare("insert into events (user_id, event, created_at, meta) select id, 'login', 0, '{}' from users where id = -1").run();
      await Promise.all(waited);
    });
    expect(cost.path).toMatchObject({ d1Primary: 2, kvWrite: 0 });
    expect(cost.deferred).toMatchObject({ d1Primary: 1, kvWrite: 1 });
  });

  it("counts outbound requests during a measurement only", async () => {
    const ledger = ledgerWith();
    const { cost } = await ledger.measure(async () => {
      await fetch("https://mail.test/emails", { method: "POST", body: '{"to":["a@example.com"]}', headers: { authorization: `Bearer ${env.MAIL_API_KEY}`, "content-type": "application/json" } });
    });
    expect(cost.path.outbound).toBe(1);
    expect(cost.calls[0]!.detail).toBe("POST https://mail.test/emails");
    // The ledger passes the call on (here to the test's fake mail API).
    expect(outbox).toHaveLength(1);
  });

  it("replays a lagging replica: a session read comes back empty, the primary's does not", async () => {
    const ledger = ledgerWith();
    const wrapped = ledger.env(base);
    ledger.replicaMode = "missing-rows";
    const { result } = await ledger.measure(async () => ({
      replica: await wrapped.DB.withSession("first-unconstrained").prepare("select 1 as one").first(),
      primary: await wrapped.DB.prepare("select 1 as one").first(),
    }));
    ledger.replicaMode = "current";
    expect(result).toEqual({ replica: null, primary: { one: 1 } });
  });
});
