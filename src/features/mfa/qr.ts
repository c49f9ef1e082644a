// MFA setup's QR code: a lazily loaded module (src/lazy/load.ts), since only setup draws one.
import { toSvgSource } from "lean-qr/extras/svg";
import { correction, generate } from "lean-qr/nano";

/**
 * The URL as a self-contained SVG QR code: lean-qr's nano encoder (half the size of its full one; an
 * ASCII URL needs none of the rest) and its SVG writer, which emits one rect and one outline path, no
 * script or external reference. Error correction M, white background, the 4-module quiet zone.
 */
export function qrSvg(url: string): string {
  return toSvgSource(generate(url, { minCorrectionLevel: correction.M }), { on: "black", off: "white", pad: 4, scale: 5 });
}
