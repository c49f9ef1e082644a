// The targets of issues 11 and 4, checked against one run's results.

export function checkTargets(res) {
  const sc = res.scenarios;
  const m = (id) => (sc[id]?.median && !sc[id].skipped ? sc[id] : undefined);
  const clean = (...ids) => ids.every((id) => m(id) && m(id).errors === 0);
  const cpu = (id) => m(id)?.median.cpuMsPerReq;
  const rps = (id) => m(id)?.median.rps;
  const div = (a, b) => (a !== undefined && b !== undefined ? a / b : undefined);
  /** The same quotient within each round (the two runs were minutes apart at most). */
  const perRound = (a, b, key) =>
    (sc[a]?.rounds ?? [])
      .map((x) => [x, sc[b]?.rounds.find((y) => y.round === x.round)])
      .filter(([, y]) => y)
      .map(([x, y]) => x[key] / y[key]);
  const rows = [];
  const add = (goal, value, pass, ids, shown, rounds = []) => {
    let status;
    if (value === undefined || !Number.isFinite(value)) status = "n/a";
    else status = pass(value) && clean(...ids) ? "met" : "MISSED";
    const spread = rounds.length ? ` (rounds: ${rounds.map((v) => shown(v)).join(", ")})` : "";
    rows.push({ goal, value, rounds, shown: Number.isFinite(value) ? shown(value) + spread : "-", status, errorsIn: ids.filter((id) => m(id) && m(id).errors) });
  };
  const x = (v) => `${v.toFixed(2)}×`;
  const ms = (v) => `${v.toFixed(3)} ms`;
  // Issue 11: ratios to the floors measured in the same run (the local storage floor dominates).
  add("Headline: GET /auth/user/ CPU ≤ 1.15× the one-D1-query floor (hello.d1)", div(cpu("ours.user"), cpu("hello.d1")), (v) => v <= 1.15, ["ours.user", "hello.d1"], x, perRound("ours.user", "hello.d1", "cpuMsPerReq"));
  add("Token refresh CPU ≤ 2× the one-D1-query floor (hello.d1)", div(cpu("ours.refresh"), cpu("hello.d1")), (v) => v <= 2, ["ours.refresh", "hello.d1"], x, perRound("ours.refresh", "hello.d1", "cpuMsPerReq"));
  add("Peer get-session CPU ÷ our GET /auth/user/ CPU ≥ 3 (issue 11)", div(cpu("peer.session"), cpu("ours.user")), (v) => v >= 3, ["ours.user", "peer.session"], x, perRound("peer.session", "ours.user", "cpuMsPerReq"));
  const model = res.latency?.rows?.find((r) => r.endpoint === "GET user/");
  if (model) {
    for (const primary of res.latency.primaries) {
      const near = Math.min(...res.latency.users.map((u) => model.cells[`${primary.id}/${u.id}`].after));
      for (const user of res.latency.users) {
        const gap = model.cells[`${primary.id}/${user.id}`].after - near;
        if (gap === 0) continue;
        add(`Modeled GET /auth/user/ from ${user.name}, ${primary.name}: within 20 ms of the best-placed user`, gap, (v) => v <= 20, [], (v) => `+${v.toFixed(0)} ms`);
      }
    }
  }
  // Issue 4.
  add("Login CPU/req ≤ 1.15× PBKDF2-100k floor", div(cpu("ours.login"), cpu("pbkdf2.derive")), (v) => v <= 1.15, ["ours.login", "pbkdf2.derive"], x, perRound("ours.login", "pbkdf2.derive", "cpuMsPerReq"));
  add("Peer sign-in CPU ÷ our login CPU ≥ 4", div(cpu("peer.signin"), cpu("ours.login")), (v) => v >= 4, ["ours.login", "peer.signin"], x, perRound("peer.signin", "ours.login", "cpuMsPerReq"));
  add("GET /auth/user/ CPU/req ≤ 0.6 ms", cpu("ours.user"), (v) => v <= 0.6, ["ours.user"], ms, (sc["ours.user"]?.rounds ?? []).map((r) => r.cpuMsPerReq));
  add("Peer get-session CPU ÷ our GET /auth/user/ CPU ≥ 3.5 (issue 4)", div(cpu("peer.session"), cpu("ours.user")), (v) => v >= 3.5, ["ours.user", "peer.session"], x, perRound("peer.session", "ours.user", "cpuMsPerReq"));
  add("GET /auth/user/ req/s ≥ 70 % of hello-world floor", div(rps("ours.user"), rps("hello.get")), (v) => v >= 0.7, ["ours.user", "hello.get"], (v) => `${(v * 100).toFixed(0)} %`, perRound("ours.user", "hello.get", "rps"));
  add("Token refresh CPU/req ≤ 1.2 ms", cpu("ours.refresh"), (v) => v <= 1.2, ["ours.refresh"], ms, (sc["ours.refresh"]?.rounds ?? []).map((r) => r.cpuMsPerReq));
  const b = res.bundle.ours;
  add("Bundle ≤ 75 KiB gzipped", b?.gzipKiB, (v) => v <= 75, [], (v) => `${v.toFixed(2)} KiB`);
  const s = res.startup.ours;
  add("Startup CPU ≤ 5 ms", s?.ms, (v) => v <= 5, [], (v) => `${v.toFixed(1)} ms`);
  return rows;
}
