// Every conformance case, by operationId: src/http/openapi.conformance.test.ts requires one entry per declared operation.
import { accountCases, sessionsCases } from "./account";
import type { CaseTable } from "./case";
import { docsCases } from "./docs";
import { keysCases } from "./keys";
import { mfaCases } from "./mfa";
import { passwordCases } from "./password";
import { registrationCases } from "./registration";
import { sessionCases } from "./session";
import { socialCases } from "./social";

export type { Case } from "./case";
export { LEGACY_PREFIX } from "./case";

export const CASES: CaseTable = {
  ...sessionCases,
  ...registrationCases,
  ...passwordCases,
  ...accountCases,
  ...sessionsCases,
  ...socialCases,
  ...mfaCases,
  ...keysCases,
  ...docsCases,
};
