// Minimal self-contained HTML pages for the link endpoints (no third-party assets).
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function htmlPage(c: Context, status: ContentfulStatusCode, title: string, message: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
  return c.html(html, status);
}
