// The social feature: its declarations bound to its handlers.
import { endpoints } from "../../http/endpoint";
import * as handlers from "./social.handlers";
import * as routes from "./social.routes";

export const socialEndpoints = endpoints(routes, handlers);
