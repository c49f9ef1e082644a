// The MFA feature: its declarations bound to its handlers.
import { endpoints } from "../../http/endpoint";
import * as handlers from "./mfa.handlers";
import * as routes from "./mfa.routes";

export const mfaEndpoints = endpoints(routes, handlers);
