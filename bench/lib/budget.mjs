// The round-trip budget table of ARCHITECTURE.md, parsed: read by test/round-trips.test.ts (which
// checks each endpoint against it) and by the latency model of bench/ (which prices it).

export const BUDGET_START = "<!-- round-trip-budget -->";
export const BUDGET_END = "<!-- /round-trip-budget -->";

/** Column heading (and "after the response" label) → the ledger's category (test/ledger.ts). */
export const COLUMNS = {
  "D1 primary": "d1Primary",
  "D1 replica": "d1Replica",
  "KV read": "kvRead",
  "KV write": "kvWrite",
  DO: "do",
  outbound: "outbound",
  throttle: "throttle",
};

const zero = () => Object.fromEntries(Object.values(COLUMNS).map((c) => [c, 0]));

/**
 * Endpoint name → { path, deferred } (counts per category) from the table between the markers.
 * The last column lists what runs after the response, e.g. "D1 primary 1, KV write 1" or "—".
 */
export function parseBudgetTable(markdown) {
  const start = markdown.indexOf(BUDGET_START);
  const end = markdown.indexOf(BUDGET_END);
  if (start < 0 || end < start) throw new Error(`no table between ${BUDGET_START} and ${BUDGET_END}`);
  const rows = markdown
    .slice(start + BUDGET_START.length, end)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("|"))
    .map((line) => line.slice(1, line.endsWith("|") ? -1 : undefined).split("|").map((cell) => cell.trim()));
  const [header, , ...body] = rows;
  if (!header || header[0] !== "Endpoint" || header.at(-1) !== "after the response") throw new Error("budget table: unexpected header");
  const columns = header.slice(1, -1).map((name) => {
    const category = COLUMNS[name];
    if (!category) throw new Error(`budget table: unknown column "${name}"`);
    return category;
  });
  const budgets = new Map();
  for (const cells of body) {
    const name = cells[0].replace(/`/g, "");
    const path = zero();
    columns.forEach((category, i) => {
      const n = Number(cells[i + 1]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`budget table, ${name}: "${cells[i + 1]}" is not a count`);
      path[category] = n;
    });
    const deferred = zero();
    const after = cells.at(-1);
    if (after !== "—" && after !== "-" && after !== "") {
      for (const part of after.split(",")) {
        const match = /^(.+?)\s+(\d+)$/.exec(part.trim());
        const category = match && COLUMNS[match[1]];
        if (!category) throw new Error(`budget table, ${name}: cannot read "${part.trim()}" (expected e.g. "KV write 1")`);
        deferred[category] += Number(match[2]);
      }
    }
    if (budgets.has(name)) throw new Error(`budget table: "${name}" twice`);
    budgets.set(name, { path, deferred });
  }
  return budgets;
}

/** A table row for `name` from measured { path, deferred } counts (what a failing test prints). */
export function formatBudgetRow(name, { path, deferred }) {
  const labels = Object.keys(COLUMNS);
  const after = labels.filter((label) => deferred[COLUMNS[label]] > 0).map((label) => `${label} ${deferred[COLUMNS[label]]}`);
  return `| ${name} | ${labels.map((label) => path[COLUMNS[label]]).join(" | ")} | ${after.join(", ") || "—"} |`;
}
