// The session feature: its declarations bound to its handlers.
import { endpoints } from "../../http/endpoint";
import * as handlers from "./session.handlers";
import * as routes from "./session.routes";

export const sessionEndpoints = endpoints(routes, handlers);
