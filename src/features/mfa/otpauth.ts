// What setup shows: the otpauth:// URL authenticator apps import (its QR code is qr.ts, loaded lazily).

/** Google Authenticator's Key URI Format with the parameters our codes use (SHA-1, 6 digits, 30 s). */
export function otpauthUrl(issuer: string, account: string, secret: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = `secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
  return `otpauth://totp/${label}?${query}`;
}
