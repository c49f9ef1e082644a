// The latency model: each endpoint's round trips (the ledger's budget tables) priced with published
// inter-region round-trip times, for a user far from the D1 primary and one next to it.
// Sources and assumptions: bench/README.md, "Latency model".
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseBudgetTable } from "./budget.mjs";

/**
 * Round-trip times in ms: Microsoft's "Azure network round-trip latency statistics"
 * (learn.microsoft.com/azure/networking/azure-network-latency), monthly P50 of the dataset taken on
 * 9 April 2024 (30 days). Azure regions stand in for the cities: Australia East = Sydney, Brazil
 * South = São Paulo, Germany West Central = Frankfurt, West Europe = Amsterdam (D1 "weur"), East US
 * = Virginia (D1 "enam"), Australia Southeast = Melbourne (D1 "oc").
 */
export const RTT_SOURCE =
  'Microsoft, "Azure network round-trip latency statistics" (learn.microsoft.com/azure/networking/azure-network-latency), P50 of the dataset of 2024-04-09';

const RTT = {
  sydney: { weur: 259, enam: 204, oc: 16 },
  saopaulo: { weur: 186, enam: 118 },
  frankfurt: { weur: 11, enam: 90 },
};

export const USERS = [
  { id: "sydney", name: "Sydney" },
  { id: "saopaulo", name: "São Paulo" },
  { id: "frankfurt", name: "Frankfurt" },
];

/**
 * D1 primaries modeled, and the replica each user's Worker reaches: D1 places one read replica in
 * each of its regions (wnam, enam, weur, eeur, apac, oc); South America has none, so São Paulo reads
 * from enam.
 */
export const PRIMARIES = [
  { id: "weur", name: "primary in weur (Western Europe)", replica: { sydney: "oc", saopaulo: "enam", frankfurt: "weur" } },
  { id: "enam", name: "primary in enam (Eastern North America)", replica: { sydney: "oc", saopaulo: "enam", frankfurt: "weur" } },
];

/** RTT from `user`'s edge to D1 region `region` (same region, e.g. Frankfurt → weur, uses its row). */
function rtt(user, region) {
  const value = RTT[user][region];
  if (value === undefined) throw new Error(`latency model: no round-trip time from ${user} to ${region}`);
  return value;
}

/**
 * Modeled ms a request spends waiting on storage: sequential round trips, D1 writes and primary reads
 * at the primary's RTT, replica reads at the nearest replica's, KV reads and writes on the response
 * path at the primary's RTT (a cold read; a key cached at the edge costs almost nothing, so "before"
 * is an upper bound there). Work after the response is free. Throttle calls are not priced: they go
 * to Durable Objects that live near the client that first used the key (a per-client key sits next
 * to its client; an account's object near wherever it was first used), so there is no one RTT to
 * give them; the count is shown beside the figure.
 */
export function modelRequest(path, user, primary) {
  const toPrimary = rtt(user, primary.id);
  const toReplica = rtt(user, primary.replica[user]);
  return path.d1Primary * toPrimary + path.d1Replica * toReplica + (path.kvRead + path.kvWrite) * toPrimary;
}

/** Endpoint → bench scenario whose CPU is shown next to its modeled latency. */
export const SCENARIO_OF = {
  login: "ours.login",
  registration: "ours.register",
  "token refresh": "ours.refresh",
  "token/verify (access)": "ours.verify",
  "GET user/": "ours.user",
};

/** The model for every endpoint of the "after" table (ARCHITECTURE.md) and the "before" one (main). */
export function latencyModel(root) {
  const after = parseBudgetTable(readFileSync(join(root, "ARCHITECTURE.md"), "utf8"));
  const before = parseBudgetTable(readFileSync(join(root, "bench", "round-trips-before.md"), "utf8"));
  const rows = [];
  for (const [endpoint, now] of after) {
    if (endpoint.includes("replica behind")) continue; // the fallback case, shown in ARCHITECTURE.md
    const then = before.get(endpoint);
    const cells = {};
    for (const primary of PRIMARIES) {
      for (const user of USERS) {
        cells[`${primary.id}/${user.id}`] = {
          before: then ? modelRequest(then.path, user.id, primary) : undefined,
          after: modelRequest(now.path, user.id, primary),
        };
      }
    }
    rows.push({ endpoint, scenario: SCENARIO_OF[endpoint], throttle: { before: then?.path.throttle, after: now.path.throttle }, cells });
  }
  return { source: RTT_SOURCE, users: USERS, primaries: PRIMARIES, rtt: RTT, rows };
}
