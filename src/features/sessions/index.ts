// The sessions feature: its declarations bound to its handlers.
import { endpoints } from "../../http/endpoint";
import * as handlers from "./sessions.handlers";
import * as routes from "./sessions.routes";

export const sessionsEndpoints = endpoints(routes, handlers);
