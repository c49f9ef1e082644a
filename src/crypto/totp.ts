// TOTP (RFC 6238): HOTP over the number of periods since the Unix epoch, checked within a window of steps.
import { constantTimeEqual, utf8 } from "./bytes";
import { generateHOTP, type OtpHash } from "./hotp";

export interface TotpOptions {
  /** Seconds per step. Default 30. */
  period?: number;
  /** Default 6. */
  digits?: number;
  /** Default "SHA-1" (what authenticator apps implement). */
  hash?: OtpHash;
}

/** The step (RFC 6238's T) that `timeMs` falls in. */
export function totpStep(timeMs: number, period = 30): number {
  if (!Number.isInteger(period) || period < 1) throw new TypeError("Period must be a positive integer");
  return Math.floor(timeMs / 1000 / period);
}

/** The code at `timeMs` (Unix milliseconds). */
export function generateTOTP(key: Uint8Array, timeMs: number, options: TotpOptions = {}): Promise<string> {
  return generateHOTP(key, totpStep(timeMs, options.period), options.digits, options.hash);
}

export interface TotpCheck extends TotpOptions {
  /** Steps accepted either side of the current one (clock drift, a code typed as it rolls over). Default 1. */
  window?: number;
  /** Steps up to and including this one are refused: a code is good once (RFC 6238 §5.2). Default none. */
  afterStep?: number | null;
}

/**
 * The step whose code `code` is, within `window` steps of `timeMs` and after `afterStep`, or null.
 * Every candidate is computed and compared in constant time, so the answer's timing says nothing
 * about which step (if any) matched.
 */
export async function verifyTOTP(key: Uint8Array, code: string, timeMs: number, check: TotpCheck = {}): Promise<number | null> {
  const { window = 1, afterStep = null, ...options } = check;
  const digits = options.digits ?? 6;
  if (!Number.isInteger(window) || window < 0) throw new TypeError("Window must be a non-negative integer");
  const current = totpStep(timeMs, options.period);
  const steps: number[] = [];
  for (let step = current - window; step <= current + window; step++) {
    if (step >= 0 && (afterStep === null || step > afterStep)) steps.push(step);
  }
  const codes = await Promise.all(steps.map((step) => generateHOTP(key, step, digits, options.hash)));
  // A wrong-length or non-digit code is still compared (and fails) rather than refused early.
  const presented = utf8(code);
  let matched: number | null = null;
  codes.forEach((candidate, i) => {
    if (constantTimeEqual(utf8(candidate), presented) && matched === null) matched = steps[i]!;
  });
  return matched;
}
