// The seed-004 dashboard: everything about the account in one D1 round trip.
import { desc, eq } from "drizzle-orm";
import { events, profiles, type SecurityEvent, type SocialAccount } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { profileFields, type ProfileFields } from "./profile.service";
import { countSessionsQuery } from "../sessions/sessions.service";
import { listSocialAccountsQuery } from "../social/social-accounts.service";

export interface Dashboard {
  profile: ProfileFields;
  activeSessions: number;
  recentEvents: SecurityEvent[];
  socialAccounts: SocialAccount[];
}

export async function loadDashboard(deps: Deps, userId: number): Promise<Dashboard> {
  const [profileRows, sessionRows, recent, social] = await deps.db.batch([
    deps.db.select().from(profiles).where(eq(profiles.userId, userId)).limit(1),
    countSessionsQuery(deps, userId),
    deps.db.select().from(events).where(eq(events.userId, userId)).orderBy(desc(events.createdAt), desc(events.id)).limit(5),
    listSocialAccountsQuery(deps, userId),
  ]);
  return { profile: profileFields(profileRows[0]), activeSessions: sessionRows[0]?.total ?? 0, recentEvents: recent, socialAccounts: social };
}
