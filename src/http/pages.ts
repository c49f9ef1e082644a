// Self-contained HTML pages (link landings, the reset form, the API reference): hono/html escapes
// every interpolated value; scripts and the pages' own styles run only with a per-response CSP nonce.
import type { Context } from "hono";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Config } from "../config";
import { PAGE_CSS } from "./page-style";

export { html };

export interface PageOptions {
  /** Inline script, allowed by the nonce. */
  script?: string;
  /** Same-origin script files, loaded before `script`. */
  scripts?: readonly string[];
  /** Same-origin stylesheets (the API reference's). */
  stylesheets?: readonly string[];
  /** No product frame and no built-in styles: the body is the whole page (the API reference). */
  bare?: boolean;
  /** The icon above the heading of a framed page. */
  icon?: Icon;
}

export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;
/** What a page needs of the request's context: any handler's `c`. */
export type PageContext = Pick<Context, "html"> & { var: { deps: { config: Config } } };
export type Icon = "ok" | "mail" | "error" | "key";

// Inline SVG is markup, not a fetched image: nothing for img-src to allow, nothing to load.
const ICONS: Record<Icon, string> = {
  ok: '<circle cx="12" cy="12" r="10.5" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="m7.5 12.4 3 3 6-6.3" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>',
  mail: '<rect x="2.5" y="5" width="19" height="14" rx="2.5" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="m3.5 6.5 8.5 6.5 8.5-6.5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/>',
  error: '<circle cx="12" cy="12" r="10.5" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="M12 7v6.5" stroke="currentColor" stroke-width="2" stroke-linecap="round"/><circle cx="12" cy="16.8" r="1.2" fill="currentColor"/>',
  key: '<rect x="4" y="10.5" width="16" height="10.5" rx="2.5" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="M8 10.5V7.5a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" stroke-width="1.6"/><circle cx="12" cy="15.7" r="1.5" fill="currentColor"/>',
};

/**
 * A page whose body is `body` (built with `html`, so already escaped), framed with PRODUCT_NAME and
 * the built-in stylesheet unless `bare`.
 *
 * The stylesheet is inlined under the same per-response nonce as the scripts rather than served as a
 * file: each of these pages is opened once, from a mail, often on a phone, so a separate (cacheable)
 * request would buy nothing and cost a round trip and a Worker invocation. The CSP stays as strict:
 * `style-src 'nonce-…'` admits that one <style> element and refuses every other inline style and
 * `style` attribute, and no stylesheet can be fetched at all. The API reference loads Swagger UI's
 * stylesheet from this Worker instead (`style-src 'self'`, no nonce: it has no inline style).
 */
export function renderPage(c: PageContext, status: ContentfulStatusCode, title: string, body: Markup, options: PageOptions = {}): Response | Promise<Response> {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const product = c.var.deps.config.productName;
  const framed = !options.bare;
  const icon = options.icon ? html`<svg class="icon ${options.icon}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${raw(ICONS[options.icon])}</svg>` : "";
  const content = framed ? html`<main><p class="product">${product}</p>${icon}<h1>${title}</h1>${body}</main>` : body;
  const style = framed ? html`<style nonce="${nonce}">${raw(PAGE_CSS)}</style>` : "";
  // The empty icon (data:, allowed by img-src) spares the browser's request for /favicon.ico, a 404 outside the API's paths.
  const page = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>${title} · ${product}</title>${style}${(options.stylesheets ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}</head><body>${content}${(options.scripts ?? []).map((src) => html`<script nonce="${nonce}" src="${src}"></script>`)}${options.script ? html`<script nonce="${nonce}">${raw(options.script)}</script>` : ""}</body></html>`;
  const styleSrc = framed ? `'nonce-${nonce}'` : "'self'";
  return c.html(page, status, {
    // The contract spells the charset in lower case (Hono's default is "UTF-8").
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${styleSrc}; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
  });
}

/** What a message page says: what happened, then what to do next. */
export interface MessagePage {
  title: string;
  icon: Icon;
  /** The first paragraph: what happened. */
  message: string;
  /** Further paragraphs (why, how long links last). */
  details?: readonly string[];
  /**
   * The way on: a link to FRONTEND_URL labelled `label`; when it is unset, `otherwise` says what to do
   * (left out where `details` already say it).
   */
  next: { label: string; otherwise?: string };
}

/** A page with a message and a way on, so no page is a dead end. */
export function messagePage(c: PageContext, status: ContentfulStatusCode, page: MessagePage): Response | Promise<Response> {
  const body = html`<p>${page.message}</p>${(page.details ?? []).map((p) => html`<p class="muted">${p}</p>`)}${onward(c.var.deps.config, page.next)}`;
  return renderPage(c, status, page.title, body, { icon: page.icon });
}

/** The "Sign in" / "Continue" link to FRONTEND_URL, or what to do when there is none. */
function onward(config: Pick<Config, "frontendUrl">, next: MessagePage["next"]): HtmlEscapedString {
  if (config.frontendUrl) return html`<a class="button" href="${config.frontendUrl}">${next.label}</a>` as HtmlEscapedString;
  return (next.otherwise ? html`<p class="next">${next.otherwise}</p>` : html``) as HtmlEscapedString;
}

/** "3 days", "1 hour", "90 minutes": how long a link or a page stays usable, rounded down. */
export function formatDuration(seconds: number): string {
  const units: Array<[number, string]> = [[86_400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  for (const [size, name] of units) {
    if (seconds >= size * 2) {
      const n = Math.floor(seconds / size);
      return `${n} ${name}s`;
    }
  }
  return `${seconds} seconds`;
}
