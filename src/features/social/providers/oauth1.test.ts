// RFC 5849 signing, pinned to the RFC's own base string and to Twitter's documented signature example.
import { describe, expect, it } from "vitest";
import { hmacSha1Signature, oauth1Header, percentEncode, signatureBaseString } from "./oauth1";

describe("signature base string (RFC 5849 §3.4.1.1 example)", () => {
  it("normalizes query, body and oauth parameters exactly as the RFC shows", () => {
    // POST /request?b5=%3D%253D&a3=a&c%40=&a2=r%20b with body c2&a3=2+q (decoded values below).
    const params: Array<[string, string]> = [
      ["b5", "=%3D"],
      ["a3", "a"],
      ["c@", ""],
      ["a2", "r b"],
      ["oauth_consumer_key", "9djdj82h48djs9d2"],
      ["oauth_token", "kkk9d7dh3k39sjv7"],
      ["oauth_signature_method", "HMAC-SHA1"],
      ["oauth_timestamp", "137131201"],
      ["oauth_nonce", "7d8f3e4a"],
      ["c2", ""],
      ["a3", "2 q"],
    ];
    expect(signatureBaseString("post", new URL("http://EXAMPLE.COM:80/request?ignored=1"), params)).toBe(
      "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7",
    );
  });

  it("keeps a non-default port and encodes the reserved characters encodeURIComponent leaves alone", () => {
    expect(signatureBaseString("GET", new URL("https://api.example:8443/a"), [])).toBe("GET&https%3A%2F%2Fapi.example%3A8443%2Fa&");
    expect(percentEncode("!*'() ~-._")).toBe("%21%2A%27%28%29%20~-._");
    expect(percentEncode("é")).toBe("%C3%A9");
  });
});

describe("HMAC-SHA1 signature (Twitter's 'Creating a signature' example)", () => {
  const consumerSecret = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
  const tokenSecret = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
  const oauth = {
    oauth_consumer_key: "xvz1evFS4wEEPTGEFPHBog",
    oauth_nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
    oauth_signature_method: "HMAC-SHA1",
    oauth_timestamp: "1318622958",
    oauth_token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
    oauth_version: "1.0",
  };

  it("builds the documented base string and signature", async () => {
    const url = new URL("https://api.twitter.com/1.1/statuses/update.json?include_entities=true");
    const base = signatureBaseString("POST", url, [
      ["include_entities", "true"],
      ["status", "Hello Ladies + Gentlemen, a signed OAuth request!"],
      ...Object.entries(oauth),
    ]);
    expect(base).toBe(
      "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521",
    );
    expect(await hmacSha1Signature(base, consumerSecret, tokenSecret)).toBe("hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
  });

  it("puts the query and oauth parameters in the signed header (§3.5.1)", async () => {
    const header = await oauth1Header(
      "GET",
      new URL("https://api.twitter.com/1.1/account/verify_credentials.json?include_email=true"),
      { consumerKey: oauth.oauth_consumer_key, consumerSecret, token: oauth.oauth_token, tokenSecret },
      { nowMs: 1318622958_000, nonce: oauth.oauth_nonce },
    );
    const base = signatureBaseString("GET", new URL("https://api.twitter.com/1.1/account/verify_credentials.json"), [["include_email", "true"], ...Object.entries(oauth)]);
    const signature = await hmacSha1Signature(base, consumerSecret, tokenSecret);
    expect(header).toBe(
      `OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", oauth_version="1.0", oauth_signature="${percentEncode(signature)}"`,
    );
  });
});
