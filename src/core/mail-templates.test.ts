import { describe, expect, it } from "vitest";
import { accountExistsMail, confirmationMail, emailChangeNoticeMail, passwordChangedMail, passwordResetMail } from "./mail-templates";

const site = { productName: "Acme <Notes>" };

describe("mail templates", () => {
  const mails = [
    confirmationMail(site, "a@example.com", "alice", "https://api.example.com/c/k", "k"),
    passwordResetMail(site, "a@example.com", "alice", "https://api.example.com/r/u/t", "u", "t"),
    passwordChangedMail(site, "a@example.com", "alice", { kind: "reset" }),
    passwordChangedMail(site, "a@example.com", "alice", { kind: "change", sessionsEnded: "others" }),
    accountExistsMail(site, "a@example.com", "alice", "https://api.example.com/r/u/t"),
    emailChangeNoticeMail(site, "a@example.com", "alice", "b@example.com"),
  ];

  it("put PRODUCT_NAME in front of every subject (allauth's [Site] prefix) and sign every mail with it", () => {
    for (const mail of mails) {
      expect(mail.subject).toMatch(/^\[Acme <Notes>\] \S/);
      expect(mail.text.startsWith("Hello alice,"), mail.subject).toBe(true);
      expect(mail.text.endsWith("\n\n— Acme <Notes>"), mail.subject).toBe(true);
      // The HTML part escapes it (it is plain text in the text part and the subject).
      expect(mail.html).toContain("<p>— Acme &lt;Notes&gt;</p>");
      expect(mail.html).not.toContain("<Notes>");
      expect(mail.html).toMatch(/^<!doctype html><html lang="en">/);
    }
  });

  it("name the product in the body where it says which account", () => {
    expect(mails[0]!.text).toContain("your e-mail address for Acme <Notes>");
    expect(mails[1]!.text).toContain("the password of your Acme <Notes> account");
  });

  it("say what a reset did: every session signed out", () => {
    const reset = passwordChangedMail(site, "a@example.com", "alice", { kind: "reset" });
    expect(reset.subject).toBe("[Acme <Notes>] Your password was reset");
    expect(reset.text).toContain("was just reset with a link mailed to this address, and all your sessions were signed out.");
    expect(reset.text).toContain("secure your mailbox first");
  });

  it("say what a change did: the other sessions, or all of them with LOGOUT_ON_PASSWORD_CHANGE", () => {
    const others = passwordChangedMail(site, "a@example.com", "alice", { kind: "change", sessionsEnded: "others" });
    expect(others.subject).toBe("[Acme <Notes>] Your password was changed");
    expect(others.text).toContain("was just changed and your other sessions were signed out.");
    expect(others.text).not.toContain("all your sessions");
    const all = passwordChangedMail(site, "a@example.com", "alice", { kind: "change", sessionsEnded: "all" });
    expect(all.subject).toBe("[Acme <Notes>] Your password was changed");
    expect(all.text).toContain("was just changed and all your sessions were signed out, this one included.");
  });
});
