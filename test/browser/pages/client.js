// A minimal cookie-mode SPA client, like a React app's API module: every call is
// fetch(..., { credentials: "include" }) to the API on another origin. The tokens live in the API's
// HttpOnly cookies; the script only reads csrftoken (double-submit) and sends it as X-CSRFToken.
// The API's base URL comes from the page's `api` query parameter (e.g. http://127.0.0.1:8787/auth).
(() => {
  const API = new URLSearchParams(location.search).get("api");
  const log = () => document.getElementById("log");

  function cookie(name) {
    const pair = document.cookie.split("; ").find((c) => c.startsWith(`${name}=`));
    return pair ? decodeURIComponent(pair.slice(name.length + 1)) : null;
  }

  function show(label, status, body) {
    const li = document.createElement("li");
    li.className = status >= 200 && status < 300 ? "ok" : "fail";
    // JWTs shortened: the screenshot should show what happened, not the tokens.
    const shown = JSON.stringify(body, (_, v) => (typeof v === "string" && v.startsWith("eyJ") ? `${v.slice(0, 10)}…` : v));
    li.textContent = `${label} → ${status} ${shown}`;
    log().append(li);
  }

  /**
   * One API call. `json`: a body to send as JSON. `csrf`: send X-CSRFToken from the csrftoken cookie.
   * With neither, a POST is a CORS "simple request" (no preflight): it leaves at once.
   */
  async function call(method, path, { json, csrf = false } = {}) {
    const headers = {};
    if (json !== undefined) headers["content-type"] = "application/json";
    const token = csrf ? cookie("csrftoken") : null;
    if (token) headers["X-CSRFToken"] = token;
    let status;
    let body;
    try {
      const res = await fetch(`${API}${path}`, {
        method,
        credentials: "include",
        headers,
        body: json === undefined ? undefined : JSON.stringify(json),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      const text = await res.text();
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    } catch (error) {
      status = 0; // network or CORS failure
      body = String(error);
    }
    show(`${method} ${path}`, status, body);
    return { status, body };
  }

  window.client = {
    api: API,
    login: (username, password) => call("POST", "/login/", { json: { username, password } }),
    user: () => call("GET", "/user/"),
    // Empty body: the API reads the refresh cookie.
    refresh: () => call("POST", "/token/refresh/"),
    // `n` refreshes fired together with the same refresh cookie, as several tabs or an eager app do.
    refreshConcurrently: (n) => Promise.all(Array.from({ length: n }, () => call("POST", "/token/refresh/"))),
    logout: () => call("POST", "/logout/", { csrf: true }),
    csrfCookie: () => cookie("csrftoken"),
    note: (text) => {
      const li = document.createElement("li");
      li.className = "note";
      li.textContent = text;
      log().append(li);
    },
  };
  document.getElementById("api").textContent = API ?? "(no ?api= parameter)";
})();
