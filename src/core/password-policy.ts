// Django's four default password validators, ported with their exact English messages.


/** The validators of Django's default AUTH_PASSWORD_VALIDATORS, by short name. */
export type PasswordValidatorName = "similarity" | "min_length" | "common" | "numeric";

/** Django's ValidationError codes, for clients that switch on them. */
export type PasswordProblemCode =
  | "password_too_similar"
  | "password_too_short"
  | "password_too_common"
  | "password_entirely_numeric";

/** One failed validator: its stable code and Django's message. */
export interface PasswordProblem {
  code: PasswordProblemCode;
  message: string;
}

/** The user fields compared by the similarity validator; missing or empty ones are skipped. */
export interface PasswordUserAttributes {
  username?: string;
  email?: string;
  first_name?: string;
  last_name?: string;
}

export interface PasswordValidationOptions {
  /** MinimumLengthValidator's min_length (Django's default is 8). */
  minLength: number;
  /** Validators to run, in order; messages come back in this order. */
  validators: readonly PasswordValidatorName[];
  /**
   * Whether a password, already normalized by `normalizeForCommonCheck`, is on the common list.
   * The list lives in D1, so callers look it up first (see accounts.passwordErrors).
   */
  isCommon: (normalized: string) => boolean;
}

/** CommonPasswordValidator's comparison key: lower-cased, then Python's str.strip(). */
export function normalizeForCommonCheck(password: string): string {
  return password.toLowerCase().replace(PYTHON_STRIP, "");
}

/** UserAttributeSimilarityValidator's default max_similarity. */
const MAX_SIMILARITY = 0.7;

/** DEFAULT_USER_ATTRIBUTES in Django's order, with the User model's verbose names. */
const USER_ATTRIBUTES: ReadonlyArray<readonly [keyof PasswordUserAttributes, string]> = [
  ["username", "username"],
  ["first_name", "first name"],
  ["last_name", "last name"],
  ["email", "email address"],
];

// Python's re `\W+` on str: anything that is not a letter, number or underscore.
const NON_WORD = /[^\p{L}\p{N}_]+/u;
// Python's str.isdigit(): Unicode decimal digits plus Numeric_Type=Digit (superscripts,
// circled digits, ...), which \p{Nd} alone would miss.
const ALL_DIGITS =
  /^[\p{Nd}\u00B2\u00B3\u00B9\u1369-\u1371\u19DA\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247C\u2488-\u2490\u24EA\u24F5-\u24FD\u24FF\u2776-\u277E\u2780-\u2788\u278A-\u2792\u{10A40}-\u{10A43}\u{10E60}-\u{10E68}\u{11052}-\u{1105A}\u{1F100}-\u{1F10A}]+$/u;
// Python's str.strip(): its whitespace set differs from JS trim() (\x1c-\x1f and \x85 in, \ufeff out).
const PYTHON_STRIP = /^[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/gu;

/** difflib.SequenceMatcher(a=a, b=b).quick_ratio(), over code points like Python's str. */
function computeQuickRatio(a: readonly string[], b: readonly string[]): number {
  const total = a.length + b.length;
  if (total === 0) return 1;
  const available = new Map<string, number>();
  for (const ch of b) available.set(ch, (available.get(ch) ?? 0) + 1);
  let matches = 0;
  for (const ch of a) {
    const left = available.get(ch) ?? 0;
    if (left > 0) matches++;
    available.set(ch, left - 1);
  }
  return (2 * matches) / total;
}

/**
 * Django's exceeds_maximum_length_ratio: a part this much shorter than the
 * password cannot reach max_similarity, so the comparison is skipped (this is
 * what bounds the cost of very long passwords).
 */
function exceedsMaximumLengthRatio(passwordLength: number, valueLength: number): boolean {
  const lengthBoundSimilarity = (MAX_SIMILARITY / 2) * passwordLength;
  return passwordLength >= 10 * valueLength && valueLength < lengthBoundSimilarity;
}

function findSimilarAttribute(password: string, user: PasswordUserAttributes): string | null {
  const pwd = Array.from(password.toLowerCase());
  for (const [attribute, verboseName] of USER_ATTRIBUTES) {
    const value = user[attribute];
    if (!value) continue;
    const lowered = value.toLowerCase();
    for (const part of [...lowered.split(NON_WORD), lowered]) {
      const partChars = Array.from(part);
      if (exceedsMaximumLengthRatio(pwd.length, partChars.length)) continue;
      if (computeQuickRatio(pwd, partChars) >= MAX_SIMILARITY) return verboseName;
    }
  }
  return null;
}

function checkOne(
  name: PasswordValidatorName,
  password: string,
  user: PasswordUserAttributes,
  { minLength, isCommon }: PasswordValidationOptions,
): PasswordProblem | null {
  switch (name) {
    case "similarity": {
      const verboseName = findSimilarAttribute(password, user);
      return verboseName === null
        ? null
        : { code: "password_too_similar", message: `The password is too similar to the ${verboseName}.` };
    }
    case "min_length":
      // Python's len() counts code points, not UTF-16 units.
      return Array.from(password).length >= minLength
        ? null
        : {
            code: "password_too_short",
            message: `This password is too short. It must contain at least ${minLength} character${minLength === 1 ? "" : "s"}.`,
          };
    case "common":
      return isCommon(normalizeForCommonCheck(password))
        ? { code: "password_too_common", message: "This password is too common." }
        : null;
    case "numeric":
      return ALL_DIGITS.test(password)
        ? { code: "password_entirely_numeric", message: "This password is entirely numeric." }
        : null;
  }
}

/**
 * Runs the named validators like Django's validate_password and returns every
 * failure with its code, in the order the validators are listed (empty when the
 * password is acceptable).
 */
export function findPasswordProblems(
  password: string,
  user: PasswordUserAttributes,
  options: PasswordValidationOptions,
): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  for (const name of options.validators) {
    const problem = checkOne(name, password, user, options);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Like findPasswordProblems, but only Django's messages, as DRF puts them in an error body. */
export function validatePassword(
  password: string,
  user: PasswordUserAttributes,
  options: PasswordValidationOptions,
): string[] {
  return findPasswordProblems(password, user, options).map((problem) => problem.message);
}
