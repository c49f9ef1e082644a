// The SocialAccount wire shape (contract §2.5.3), shared with the dashboard.
import * as z from "zod/mini";
import type { SocialAccount } from "../../db/schema";
import { formatDateTime } from "../../http/shapes";

export const socialAccountBody = () =>
  z.object({ id: z.number().check(z.int()), provider: z.string(), uid: z.string(), last_login: z.string(), date_joined: z.string() });

export function socialAccountShape(account: SocialAccount) {
  return {
    id: account.id,
    provider: account.provider,
    uid: account.uid,
    last_login: formatDateTime(account.lastLogin),
    date_joined: formatDateTime(account.dateJoined),
  };
}
