// The user's security history, newest first, page by page (seed 004 "watch user history").
import { and, count, desc, eq } from "drizzle-orm";
import { events, type SecurityEvent } from "../../db/schema";
import type { Deps } from "../../core/deps";
import type { EventType } from "../../core/events";

export interface HistoryPage {
  count: number;
  results: SecurityEvent[];
}

export async function listHistory(deps: Deps, userId: number, page: number, pageSize: number, type?: EventType): Promise<HistoryPage> {
  const where = type ? and(eq(events.userId, userId), eq(events.event, type)) : eq(events.userId, userId);
  const [totals, results] = await deps.db.batch([
    deps.db.select({ total: count() }).from(events).where(where),
    deps.db
      .select()
      .from(events)
      .where(where)
      .orderBy(desc(events.createdAt), desc(events.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize),
  ]);
  return { count: totals[0]?.total ?? 0, results };
}
