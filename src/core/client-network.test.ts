// networkOf: the per-client throttle key (IPv4 address, IPv6 /64).
import { describe, expect, it } from "vitest";
import { networkOf } from "./client-network";

describe("networkOf", () => {
  it("keeps an IPv4 address, without leading zeros", () => {
    expect(networkOf("203.0.113.7")).toBe("203.0.113.7");
    expect(networkOf(" 203.000.113.007 ")).toBe("203.0.113.7");
  });

  it("reduces IPv6 to its /64 in every spelling", () => {
    const expected = "2001:db8:0:1::/64";
    for (const ip of ["2001:db8:0:1::1", "2001:DB8:0:1:ffff:ffff:ffff:ffff", "2001:0db8:0000:0001:0:0:0:9", "[2001:db8::1:0:0:0:5]", "2001:db8:0:1::5%eth0"]) {
      expect(networkOf(ip)).toBe(expected);
    }
    expect(networkOf("2001:db8:0:2::1")).toBe("2001:db8:0:2::/64");
    expect(networkOf("::1")).toBe("0:0:0:0::/64");
    expect(networkOf("2001:db8:0:1:0:0:192.0.2.1")).toBe(expected);
  });

  it("treats an IPv4-mapped IPv6 address as its IPv4 address", () => {
    expect(networkOf("::ffff:198.51.100.9")).toBe("198.51.100.9");
    expect(networkOf("::ffff:c633:6409")).toBe("198.51.100.9");
  });

  it("keys anything else by its text, and no address as one unknown client", () => {
    expect(networkOf(null)).toBe("unknown");
    expect(networkOf("")).toBe("unknown");
    expect(networkOf("256.1.1.1")).toBe("256.1.1.1");
    expect(networkOf("2001:db8::1::2")).toBe("2001:db8::1::2");
    expect(networkOf("1:2:3:4:5:6:7:8:9")).toBe("1:2:3:4:5:6:7:8:9");
    expect(networkOf("Not-An-IP")).toBe("not-an-ip");
  });
});
