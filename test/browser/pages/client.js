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
   * One API call. `json`: a body to send as JSON; `form`: one to send form-encoded. `csrf`: send
   * X-CSRFToken from the csrftoken cookie. Without json and csrf, a POST is a CORS "simple request"
   * (no preflight): it leaves at once.
   */
  async function call(method, path, { json, form, csrf = false } = {}) {
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
        // A form body (URLSearchParams) is sent as application/x-www-form-urlencoded: a CORS simple request.
        body: json !== undefined ? JSON.stringify(json) : form,
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
    // PATCH is not a simple method: the browser asks (preflight) before it sends it.
    updateUser: (fields, { csrf = true } = {}) => call("PATCH", "/user/", { json: fields, csrf }),
    // An HTML form's POST: no custom header, the CSRF token in Django's form field (csrfmiddlewaretoken).
    postForm: (path, fields) => call("POST", path, { form: new URLSearchParams({ ...fields, csrfmiddlewaretoken: cookie("csrftoken") ?? "" }) }),
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
