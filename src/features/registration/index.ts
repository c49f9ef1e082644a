// The registration feature: its declarations bound to its handlers.
import { endpoints } from "../../http/endpoint";
import * as handlers from "./registration.handlers";
import * as routes from "./registration.routes";

export const registrationEndpoints = endpoints(routes, handlers);
