// The built-in pages' palettes meet WCAG 2.x AA contrast in both colour schemes.
import { describe, expect, it } from "vitest";
import { CONTRAST_PAIRS, PAGE_CSS, PALETTES } from "./page-style";

/** WCAG 2.x relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe("page palettes", () => {
  it("computes contrast as WCAG does (known answers)", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
  });

  for (const [scheme, palette] of Object.entries(PALETTES)) {
    it(`${scheme}: every text/background pair reaches AA`, () => {
      const short = CONTRAST_PAIRS.map(({ fg, bg, min, what }) => ({ what, ratio: Number(contrast(palette[fg], palette[bg]).toFixed(2)), min })).filter(
        ({ ratio, min }) => ratio < min,
      );
      expect(short).toEqual([]);
    });
  }

  it("are what the stylesheet uses, the dark one under prefers-color-scheme: dark", () => {
    expect(PAGE_CSS).toContain(`:root{color-scheme:light dark;--page:${PALETTES.light.page};`);
    expect(PAGE_CSS).toContain(`@media (prefers-color-scheme:dark){:root{--page:${PALETTES.dark.page};`);
    expect(PAGE_CSS).toContain(`--on-accent:${PALETTES.dark.onAccent}`);
    // Small, one stylesheet, nothing fetched.
    expect(PAGE_CSS.length).toBeLessThan(4096);
    expect(PAGE_CSS).not.toMatch(/url\(|@import/);
  });
});
