// Every feature's endpoints: the one list app.ts registers and the OpenAPI document describes.
import type { Endpoint } from "../http/endpoint";
import { accountEndpoints } from "./account";
import { docsEndpoints } from "./docs";
import { keysEndpoints } from "./keys";
import { mfaEndpoints } from "./mfa";
import { passwordEndpoints } from "./password";
import { registrationEndpoints } from "./registration";
import { sessionEndpoints } from "./session";
import { sessionsEndpoints } from "./sessions";
import { socialEndpoints } from "./social";

export const allEndpoints: readonly Endpoint[] = [
  ...sessionEndpoints,
  ...registrationEndpoints,
  ...passwordEndpoints,
  ...accountEndpoints,
  ...sessionsEndpoints,
  ...socialEndpoints,
  ...mfaEndpoints,
  ...keysEndpoints,
  ...docsEndpoints,
];
