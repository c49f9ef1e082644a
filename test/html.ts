// Reading served HTML in tests with workerd's own parser (HTMLRewriter): elements by CSS selector.

export interface Found {
  attrs: Record<string, string>;
  /** The element's text, descendants included, whitespace collapsed. */
  text: string;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };

/** HTMLRewriter hands text and attribute values over as written: decode the escapes hono/html writes. */
function decode(value: string): string {
  return value.replace(/&(?:(lt|gt|quot|apos|amp)|#(\d+)|#x([0-9a-f]+));/gi, (_, name: string, dec: string, hex: string) =>
    name ? ENTITIES[name.toLowerCase()]! : String.fromCodePoint(dec ? Number(dec) : parseInt(hex, 16)),
  );
}

/** The elements of `markup` that match `selector`, in document order. */
export async function select(markup: string, selector: string): Promise<Found[]> {
  const found: Array<{ attrs: Record<string, string>; chunks: string[] }> = [];
  const open: Array<{ chunks: string[] }> = [];
  await new HTMLRewriter()
    .on(selector, {
      element(element) {
        const item = { attrs: Object.fromEntries([...element.attributes].map(([k, v]) => [k, decode(v ?? "")])), chunks: [] as string[] };
        found.push(item);
        open.push(item);
        try {
          element.onEndTag(() => void open.pop());
        } catch {
          // A void element (input, meta) has no end tag, nor any text.
          open.pop();
        }
      },
      text(chunk) {
        for (const item of open) item.chunks.push(chunk.text);
      },
    })
    .transform(new Response(markup))
    .text();
  return found.map(({ attrs, chunks }) => ({ attrs, text: decode(chunks.join("")).replace(/\s+/g, " ").trim() }));
}

/** The one element matching `selector` (fails the test when there are none or several). */
export async function only(markup: string, selector: string): Promise<Found> {
  const found = await select(markup, selector);
  if (found.length !== 1) throw new Error(`${found.length} elements match ${selector}`);
  return found[0]!;
}
