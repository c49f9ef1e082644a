// Self-contained HTML pages (link landings, the reset form, the API reference): hono/html escapes
// every interpolated value; scripts run only with a per-response CSP nonce, assets only from 'self'.
import type { Context } from "hono";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export { html };

export interface PageOptions {
  /** Inline script, allowed by the nonce. */
  script?: string;
  /** Same-origin script files, loaded before `script`. */
  scripts?: readonly string[];
  /** Same-origin stylesheets. */
  stylesheets?: readonly string[];
  /** No <main>/<h1> wrapper: the body is the whole page (the API reference). */
  bare?: boolean;
}

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

/** A page whose body is `body` (built with `html`, so already escaped). */
export function renderPage(c: Context, status: ContentfulStatusCode, title: string, body: Markup, options: PageOptions = {}): Response | Promise<Response> {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const content = options.bare ? body : html`<main><h1>${title}</h1>${body}</main>`;
  // The empty icon (data:, allowed by img-src) spares the browser's request for /favicon.ico, a 404 outside the API's paths.
  const page = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${title}</title>${(options.stylesheets ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}</head><body>${content}${(options.scripts ?? []).map((src) => html`<script nonce="${nonce}" src="${src}"></script>`)}${options.script ? html`<script nonce="${nonce}">${raw(options.script)}</script>` : ""}</body></html>`;
  return c.html(page, status, {
    // The contract spells the charset in lower case (Hono's default is "UTF-8").
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
  });
}

export function htmlPage(c: Context, status: ContentfulStatusCode, title: string, message: string): Response | Promise<Response> {
  return renderPage(c, status, title, html`<p>${message}</p>`);
}
