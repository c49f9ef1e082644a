// The keys feature: its declaration bound to its handler.
import { endpoints } from "../../http/endpoint";
import * as handlers from "./keys.handlers";
import * as routes from "./keys.routes";

export const keysEndpoints = endpoints(routes, handlers);
