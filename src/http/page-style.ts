// The one stylesheet of the built-in pages (link landings, the reset form): a light and a dark
// palette (prefers-color-scheme), checked for WCAG AA contrast by page-style.test.ts.

/** The colours of one scheme; every text/background pair the pages use is listed in CONTRAST_PAIRS. */
export interface Palette {
  page: string;
  card: string;
  text: string;
  muted: string;
  line: string;
  field: string;
  accent: string;
  onAccent: string;
  ok: string;
  error: string;
  errorBg: string;
}

export const PALETTES: Readonly<Record<"light" | "dark", Palette>> = {
  light: {
    page: "#f3f4f6",
    card: "#ffffff",
    text: "#111827",
    muted: "#4b5563",
    line: "#d1d5db",
    field: "#6b7280",
    accent: "#1d4ed8",
    onAccent: "#ffffff",
    ok: "#047857",
    error: "#b91c1c",
    errorBg: "#fef2f2",
  },
  dark: {
    page: "#0b0f19",
    card: "#161c29",
    text: "#f3f4f6",
    muted: "#aab4c3",
    line: "#2f3a4e",
    field: "#8b95a5",
    accent: "#93b4ff",
    onAccent: "#0b1020",
    ok: "#5ee0a8",
    error: "#ffa3a3",
    errorBg: "#2b1719",
  },
};

/**
 * Foreground/background pairs and the contrast WCAG 2.x level AA asks of each: 4.5 for text, 3 for
 * what is not text (input borders, icons, the focus ring against the card).
 */
export const CONTRAST_PAIRS: ReadonlyArray<{ fg: keyof Palette; bg: keyof Palette; min: number; what: string }> = [
  { fg: "text", bg: "card", min: 4.5, what: "body text" },
  { fg: "muted", bg: "card", min: 4.5, what: "hints and the product name" },
  { fg: "accent", bg: "card", min: 4.5, what: "links" },
  { fg: "onAccent", bg: "accent", min: 4.5, what: "button label" },
  { fg: "error", bg: "errorBg", min: 4.5, what: "error message" },
  { fg: "text", bg: "page", min: 4.5, what: "text outside the card (noscript)" },
  { fg: "field", bg: "card", min: 3, what: "input borders" },
  { fg: "ok", bg: "card", min: 3, what: "success icon" },
  { fg: "error", bg: "card", min: 3, what: "error icon and invalid input border" },
  { fg: "accent", bg: "card", min: 3, what: "focus ring" },
];

const vars = (p: Palette) =>
  Object.entries(p)
    .map(([name, value]) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${value}`)
    .join(";");

/** Small on purpose (about 2 KB): it is sent inline with each page, under the response's CSP nonce. */
export const PAGE_CSS = `:root{color-scheme:light dark;${vars(PALETTES.light)}}
@media (prefers-color-scheme:dark){:root{${vars(PALETTES.dark)}}}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;padding:clamp(1rem,6vh,4rem) 1rem;background:var(--page);color:var(--text);font:1rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:28rem;margin:0 auto;padding:2rem 1.5rem;background:var(--card);border:1px solid var(--line);border-radius:14px;box-shadow:0 1px 2px rgb(0 0 0/.05),0 10px 30px rgb(0 0 0/.06)}
@media (min-width:40em){main{padding:2.5rem 2.25rem}}
.product{margin:0 0 1.75rem;font-size:.875rem;font-weight:600;letter-spacing:.02em;color:var(--muted);overflow-wrap:anywhere}
.icon{display:block;width:2.75rem;height:2.75rem;margin:0 0 1rem;color:var(--accent)}
.icon.ok{color:var(--ok)}.icon.error{color:var(--error)}
h1{margin:0 0 .75rem;font-size:1.5rem;line-height:1.25;overflow-wrap:anywhere}
p{margin:0 0 1rem}
main>:last-child{margin-bottom:0}
.muted{color:var(--muted);font-size:.9375rem}
strong{overflow-wrap:anywhere}
a{color:var(--accent);text-underline-offset:.15em}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.field{margin:0 0 1.1rem}
label{display:block;margin:0 0 .35rem;font-weight:600}
input{display:block;width:100%;min-height:2.75rem;padding:.6rem .75rem;font:inherit;font-size:1rem;color:var(--text);background:var(--card);border:1px solid var(--field);border-radius:8px}
input[aria-invalid=true]{border-color:var(--error)}
.hint{margin:.4rem 0 0;font-size:.875rem;color:var(--muted)}
.alert{margin:0 0 1rem;padding:.6rem .75rem;color:var(--error);background:var(--error-bg);border:1px solid var(--error);border-radius:8px}
.alert:empty{display:none}
.button{display:block;width:100%;min-height:2.75rem;margin:1.5rem 0 0;padding:.7rem 1rem;border:0;border-radius:10px;background:var(--accent);color:var(--on-accent);font:inherit;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}
.button:focus-visible{outline-color:var(--text)}
.button[disabled]{opacity:.75;cursor:progress}
.next{margin:1.5rem 0 0}
noscript p{margin:1rem 0 0}`;
