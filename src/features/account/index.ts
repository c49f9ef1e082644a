// The account feature: its declarations bound to its handlers.
import { endpoints } from "../../http/endpoint";
import * as handlers from "./account.handlers";
import * as routes from "./account.routes";

export const accountEndpoints = endpoints(routes, handlers);
