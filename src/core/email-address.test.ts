// isValidEmail: Django 5.2+'s EmailValidator, and no invisible or control character anywhere.
import { describe, expect, it } from "vitest";
import { isValidEmail } from "./email-address";

describe("isValidEmail accepts what Django accepts", () => {
  it.each([
    "a@example.com",
    "first.last+tag@sub.example.co.uk",
    "!#$%&'*+/=?^_`{|}~-@example.com",
    '"quoted@at"@example.com',
    '"esc\\"aped"@example.com',
    "a@localhost",
    "a@[192.0.2.1]",
    "a@[2001:db8::1]",
    "a@münchen.de",
    "a@xn--mnchen-3ya.de",
    "a@b.xn--p1ai",
    "a@example.cé",
    "a@ｅｘａｍｐｌｅ.com",
  ])("%j", (address) => {
    expect(isValidEmail(address)).toBe(true);
  });
});

describe("isValidEmail refuses", () => {
  it.each([
    ["no @", "example.com"],
    ["empty local part", "@example.com"],
    ["non-ASCII local part (dot-atom is ASCII)", "üser@example.com"],
    ["consecutive dots", "a..b@example.com"],
    ["leading dot", ".a@example.com"],
    ["space in a quoted local part", '"a b"@example.com'],
    ["no TLD", "a@example"],
    ["numeric TLD", "a@example.12"],
    ["trailing dot (FQDN)", "a@example.com."],
    ["label starting with a dash", "a@-example.com"],
    ["TLD starting with a dash", "a@example.-xy"],
    ["one-letter TLD", "a@example.c"],
    ["label over 63 characters", `a@${"x".repeat(64)}.com`],
    ["upper-case localhost (the allowlist is exact)", "a@LOCALHOST"],
    ["IPv4 literal out of range", "a@[256.0.0.1]"],
    ["IPv4 literal with a leading zero", "a@[01.2.3.4]"],
    ["astral character in the domain", "a@😀.com"],
    ["over 320 characters", `a@${"x".repeat(320)}.com`],
    ["U+200B zero-width space in the local part", "a\u200b@example.com"],
    ["U+200B zero-width space in the domain (Django lets it through)", "a@exa\u200bmple.com"],
    ["U+202E right-to-left override in the domain", "a@exa\u202emple.com"],
    ["U+2066 left-to-right isolate", "a@\u2066example.com"],
    ["U+200F right-to-left mark", "a@example.com\u200f"],
    ["U+FEFF byte order mark", "\ufeffa@example.com"],
    ["U+00AD soft hyphen", "a@exam\u00adple.com"],
    ["U+0007 bell inside a quoted local part (Django lets it through)", '"\u0007"@example.com'],
    ["U+0085 next line in the domain", "a@exa\u0085mple.com"],
    ["U+3000 ideographic space in the domain", "a@exa\u3000mple.com"],
    ["a lone surrogate", "a@exa\ud800mple.com"],
  ])("%s", (_why, address) => {
    expect(isValidEmail(address)).toBe(false);
  });
});
