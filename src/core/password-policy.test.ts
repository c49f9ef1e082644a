// Django's default password validators: messages, order and edge cases pinned to Django's behaviour.
import { describe, expect, it } from "vitest";
import listText from "../../data/common-passwords.txt?raw";
import * as validation from "./password-policy";
import type { PasswordValidationOptions, PasswordValidatorName } from "./password-policy";

// The real list (in production it is looked up in D1; see test/common-passwords.test.ts).
const COMMON = new Set(listText.split("\n").filter(Boolean));
type Options = Omit<PasswordValidationOptions, "isCommon">;
const withList = (options: Options): PasswordValidationOptions => ({ ...options, isCommon: (value) => COMMON.has(value) });
const validatePassword = (password: string, user: validation.PasswordUserAttributes, options: Options) =>
  validation.validatePassword(password, user, withList(options));
const findPasswordProblems = (password: string, user: validation.PasswordUserAttributes, options: Options) =>
  validation.findPasswordProblems(password, user, withList(options));

const ALL: readonly PasswordValidatorName[] = ["similarity", "min_length", "common", "numeric"];
const DEFAULTS = { minLength: 8, validators: ALL };
const TOO_SHORT_8 = "This password is too short. It must contain at least 8 characters.";
const TOO_COMMON = "This password is too common.";
const NUMERIC = "This password is entirely numeric.";

function similarTo(verboseName: string): string {
  return `The password is too similar to the ${verboseName}.`;
}

describe("validatePassword", () => {
  it("accepts a strong random password", () => {
    const user = { username: "alice", email: "alice@example.com", first_name: "Alice", last_name: "Liddell" };
    expect(validatePassword("vH7#qL2m!zR9xT", user, DEFAULTS)).toEqual([]);
    expect(validatePassword("sufficiently-long", {}, DEFAULTS)).toEqual([]);
  });

  it("reports every failure in the order the validators are listed", () => {
    // Django's test_validate_password: CommonPasswordValidator, then MinimumLengthValidator(12).
    expect(validatePassword("password", {}, { minLength: 12, validators: ["common", "min_length"] })).toEqual([
      TOO_COMMON,
      "This password is too short. It must contain at least 12 characters.",
    ]);
    expect(validatePassword("1234", {}, { minLength: 8, validators: ["numeric", "common", "min_length"] })).toEqual([
      NUMERIC,
      TOO_COMMON,
      TOO_SHORT_8,
    ]);
  });

  it("runs only the listed validators", () => {
    expect(validatePassword("1234", { username: "1234" }, { minLength: 8, validators: [] })).toEqual([]);
    expect(validatePassword("1234", {}, { minLength: 8, validators: ["numeric"] })).toEqual([NUMERIC]);
  });

  it("pairs each message with Django's error code", () => {
    expect(findPasswordProblems("12345678", { username: "12345678" }, DEFAULTS)).toEqual([
      { code: "password_too_similar", message: similarTo("username") },
      { code: "password_too_common", message: TOO_COMMON },
      { code: "password_entirely_numeric", message: NUMERIC },
    ]);
    expect(findPasswordProblems("x", {}, { minLength: 2, validators: ["min_length"] })).toEqual([
      { code: "password_too_short", message: "This password is too short. It must contain at least 2 characters." },
    ]);
  });
});

describe("min_length", () => {
  const only = (minLength: number) => ({ minLength, validators: ["min_length"] as const });

  it("uses Django's plural message", () => {
    expect(validatePassword("1234567", {}, only(8))).toEqual([TOO_SHORT_8]);
    expect(validatePassword("12345678", {}, only(8))).toEqual([]);
    expect(validatePassword("12", {}, only(3))).toEqual([
      "This password is too short. It must contain at least 3 characters.",
    ]);
  });

  it("uses the singular for a minimum of 1", () => {
    expect(validatePassword("", {}, only(1))).toEqual([
      "This password is too short. It must contain at least 1 character.",
    ]);
  });

  it("counts code points like Python's len()", () => {
    expect(validatePassword("🔑🔑🔑", {}, only(4))).toHaveLength(1);
    expect(validatePassword("🔑🔑🔑🔑", {}, only(4))).toEqual([]);
  });
});

describe("common", () => {
  const only = { minLength: 8, validators: ["common"] as const };

  it.each(["password", "12345678", "qwerty", "letmein", "iloveyou", "football"])("rejects %j", (pw) => {
    expect(validatePassword(pw, {}, only)).toEqual([TOO_COMMON]);
  });

  it("lower-cases and strips like Django", () => {
    expect(validatePassword("PassWord", {}, only)).toEqual([TOO_COMMON]);
    expect(validatePassword("  password\t\n", {}, only)).toEqual([TOO_COMMON]);
    // Python's str.strip() removes \x1c, which JS trim() would keep.
    expect(validatePassword("\x1cpassword", {}, only)).toEqual([TOO_COMMON]);
    expect(validatePassword("pass word", {}, only)).toEqual([]);
  });

  it("accepts an uncommon password", () => {
    expect(validatePassword("a-safe-password", {}, only)).toEqual([]);
  });

});

describe("numeric", () => {
  const only = { minLength: 8, validators: ["numeric"] as const };

  it("rejects entirely numeric passwords", () => {
    expect(validatePassword("1234567890123", {}, only)).toEqual([NUMERIC]);
    expect(validatePassword("42424242", {}, only)).toEqual([NUMERIC]);
  });

  it("follows Python's str.isdigit()", () => {
    expect(validatePassword("١٢٣٤٥٦٧٨", {}, only)).toEqual([NUMERIC]); // Arabic-Indic digits
    expect(validatePassword("12²³①", {}, only)).toEqual([NUMERIC]); // Numeric_Type=Digit
    expect(validatePassword("", {}, only)).toEqual([]);
    expect(validatePassword("1234 5678", {}, only)).toEqual([]);
    expect(validatePassword("½", {}, only)).toEqual([]); // numeric but not a digit
    expect(validatePassword("a-safe-password", {}, only)).toEqual([]);
  });
});

describe("similarity", () => {
  const only = { minLength: 8, validators: ["similarity"] as const };
  // Django's UserAttributeSimilarityValidatorTest user.
  const testclient = {
    username: "testclient",
    email: "testclient@example.com",
    first_name: "Test",
    last_name: "Client",
  };

  it("matches Django's own test cases", () => {
    expect(validatePassword("testclient", testclient, only)).toEqual([similarTo("username")]);
    expect(validatePassword("example.com", testclient, only)).toEqual([similarTo("email address")]);
    expect(validatePassword("testclient", {}, only)).toEqual([]);
    expect(validatePassword("foobar", { username: "foobar" }, only)).toEqual([similarTo("username")]);
  });

  it("flags a password close to the username", () => {
    expect(validatePassword("alice2024x", { username: "alice2024" }, only)).toEqual([similarTo("username")]);
    expect(validatePassword("ALICE2024", { username: "alice2024" }, only)).toEqual([similarTo("username")]);
  });

  it("reports only the first similar attribute, in Django's order", () => {
    const user = { username: "zzz", first_name: "Marguerite", last_name: "Marguerite", email: "marguerite@x.io" };
    expect(validatePassword("marguerite", user, only)).toEqual([similarTo("first name")]);
    expect(validatePassword("liddell!", { last_name: "Liddell", email: "liddell@x.io" }, only)).toEqual([
      similarTo("last name"),
    ]);
  });

  it("compares against each part of a value split on non-word characters", () => {
    // Whole address: quick_ratio("wonderland", "alice@wonderland.example") < 0.7; the part matches.
    expect(validatePassword("wonderland", { email: "alice@wonderland.example" }, only)).toEqual([
      similarTo("email address"),
    ]);
    expect(validatePassword("jean", { first_name: "Jean-Luc" }, only)).toEqual([similarTo("first name")]);
  });

  it("uses quick_ratio, which ignores character order", () => {
    // Same multiset of characters as the username: ratio 1.0 although no run of it matches.
    expect(validatePassword("ecilanotrab", { username: "bartonalice" }, only)).toEqual([similarTo("username")]);
    // 2 * 5 / (10 + 5) = 0.667 < 0.7
    expect(validatePassword("aliceqwxyz", { username: "alice" }, only)).toEqual([]);
    // 2 * 5 / (9 + 5) = 0.714 >= 0.7
    expect(validatePassword("aliceqwxy", { username: "alice" }, only)).toEqual([similarTo("username")]);
  });

  it("skips parts at least ten times shorter than the password, as Django 4.2+ does", () => {
    expect(validatePassword("a".repeat(100), { username: "a" }, only)).toEqual([]);
  });

  it("ignores missing and empty attributes", () => {
    expect(validatePassword("", { username: "", email: "" }, only)).toEqual([]);
  });
});

describe("the shipped common-password list", () => {
  it("holds 7,499 lower-cased entries, the usual suspects among them", () => {
    expect(COMMON.size).toBe(7499);
    for (const word of ["password", "12345678", "qwerty", "dragon", "iloveyou"]) expect(COMMON.has(word)).toBe(true);
    expect([...COMMON].every((word) => word === word.toLowerCase().trim())).toBe(true);
  });

  it("is compared after lower-casing and Python's strip()", () => {
    expect(validation.normalizeForCommonCheck("  PassWord\u00a0")).toBe("password");
  });
});
