// Minimal self-contained HTML pages for the link endpoints (no third-party assets).
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A page with `bodyHtml` (already escaped) and an optional inline script allowed by a CSP nonce. */
export function renderPage(c: Context, status: ContentfulStatusCode, title: string, bodyHtml: string, script?: string): Response {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const scriptTag = script ? `<script nonce="${nonce}">${script}</script>` : "";
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${bodyHtml}</main>${scriptTag}</body></html>`;
  return c.html(html, status, {
    // The contract spells the charset in lower case (Hono's default is "UTF-8").
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": `default-src 'none'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
  });
}

export function htmlPage(c: Context, status: ContentfulStatusCode, title: string, message: string): Response {
  return renderPage(c, status, title, `<p>${escapeHtml(message)}</p>`);
}
