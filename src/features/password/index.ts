// The password feature: its declarations bound to its handlers.
import { endpoints } from "../../http/endpoint";
import * as handlers from "./password.handlers";
import * as routes from "./password.routes";

export const passwordEndpoints = endpoints(routes, handlers);
