// Seed-004 profile: one row per user, created empty with the account.
import { eq } from "drizzle-orm";
import { type Profile, profiles } from "../../db/schema";
import type { Deps } from "../../core/deps";
import { recordEvent } from "../../core/events";

export interface ProfileFields {
  country: string;
  profession: string;
  bio: string;
  thoughts: string;
  profile_img: string;
}

const EMPTY: ProfileFields = { country: "", profession: "", bio: "", thoughts: "", profile_img: "" };

export function profileFields(profile: Profile | undefined): ProfileFields {
  if (!profile) return { ...EMPTY };
  return {
    country: profile.country,
    profession: profile.profession,
    bio: profile.bio,
    thoughts: profile.thoughts,
    profile_img: profile.profileImg,
  };
}

export async function getProfile(deps: Deps, userId: number): Promise<ProfileFields> {
  return profileFields(await deps.db.query.profiles.findFirst({ where: eq(profiles.userId, userId) }));
}

/** Partial update (PUT/PATCH/POST all accept any subset); records which fields changed. */
export async function updateProfile(deps: Deps, userId: number, changes: Partial<ProfileFields>): Promise<ProfileFields> {
  const current = await getProfile(deps, userId);
  const next = { ...current, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) };
  const changed = (Object.keys(EMPTY) as Array<keyof ProfileFields>).filter((field) => next[field] !== current[field]);
  if (changed.length === 0) return current;
  const row = {
    country: next.country,
    profession: next.profession,
    bio: next.bio,
    thoughts: next.thoughts,
    profileImg: next.profile_img,
    updatedAt: deps.now(),
  };
  // Upsert: accounts created before profiles existed get their row on first write.
  await deps.db.insert(profiles).values({ userId, ...row }).onConflictDoUpdate({ target: profiles.userId, set: row });
  recordEvent(deps, userId, "profile_updated", { fields: changed });
  return next;
}
