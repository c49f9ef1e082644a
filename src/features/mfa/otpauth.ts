// What setup shows: the otpauth:// URL authenticator apps import, and the same URL as a QR code.
import { toSvgSource } from "lean-qr/extras/svg";
import { correction, generate } from "lean-qr/nano";

/** Google Authenticator's Key URI Format with the parameters our codes use (SHA-1, 6 digits, 30 s). */
export function otpauthUrl(issuer: string, account: string, secret: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = `secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
  return `otpauth://totp/${label}?${query}`;
}

/**
 * The URL as a self-contained SVG QR code: lean-qr's nano encoder (half the size of its full one; an
 * ASCII URL needs none of the rest) and its SVG writer, which emits one rect and one outline path, no
 * script or external reference. Error correction M, white background, the 4-module quiet zone.
 */
export function qrSvg(url: string): string {
  return toSvgSource(generate(url, { minCorrectionLevel: correction.M }), { on: "black", off: "white", pad: 4, scale: 5 });
}
