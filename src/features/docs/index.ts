// The docs feature: its declarations bound to its handlers.
import { endpoints } from "../../http/endpoint";
import * as handlers from "./docs.handlers";
import * as routes from "./docs.routes";

export const docsEndpoints = endpoints(routes, handlers);
