import type { DataSource, EntityManager } from "typeorm";
import type { Actor } from "../../kit/actor.js";
import type { CaseFeedChange, CaseFeedEvent, CaseFeedEventType } from "../../kit/case-feed-protocol.js";
import { CaseFeedEventEntity, CaseFeedHead, FEED_HEAD_ID } from "./case-feed-event.entity.js";

/** An event as a command describes it, before the feed numbers it. */
export interface CaseFeedDraft {
  type: CaseFeedEventType;
  actor: Actor;
  at: Date;
  changes: CaseFeedChange[];
  updateId: string | null;
}

/** The case an event is about, with the counter of its events (moved by `numberDrafts`). */
export interface FeedCase {
  id: string;
  organizationId: string;
  lastEventSequence: number;
}

/** Called in the transaction that wrote `events`, with them (webhook deliveries are enqueued this way). */
export type CaseFeedFollower = (tx: EntityManager, events: readonly CaseFeedEvent[]) => Promise<void>;

/** The longest old or new value an event carries; longer texts (a business impact) are cut, the case holds them whole. */
export const MAX_FEED_VALUE_LENGTH = 4000;

function cut(value: string | null): string | null {
  return value !== null && value.length > MAX_FEED_VALUE_LENGTH ? `${value.slice(0, MAX_FEED_VALUE_LENGTH - 1)}…` : value;
}

export function toFeedEvent(row: CaseFeedEventEntity): CaseFeedEvent {
  return {
    id: String(row.position),
    sequence: row.sequence,
    type: row.type,
    caseId: row.caseId,
    organizationId: row.organizationId,
    actor: { id: row.actor.id, name: row.actor.name, role: row.actor.role },
    at: row.at.toISOString(),
    changes: row.changes,
    updateId: row.updateId,
  };
}

/**
 * Appends events to the case feed inside the caller's transaction. Sequences come from the case row
 * (which the caller holds under its write lock and saves); positions from the head row, moved last.
 */
export class CaseFeedWriter {
  constructor(private readonly followers: readonly CaseFeedFollower[] = []) {}

  /** A writer that also calls `follower` (wiring: webhooks follow the feed). */
  followedBy(follower: CaseFeedFollower): CaseFeedWriter {
    return new CaseFeedWriter([...this.followers, follower]);
  }

  /**
   * Gives the drafts the case's next sequence numbers and moves the case's counter; the caller saves
   * the case in the same transaction (before or after `append`).
   */
  static numberDrafts(c: FeedCase, drafts: readonly CaseFeedDraft[]): number[] {
    const first = c.lastEventSequence + 1;
    c.lastEventSequence += drafts.length;
    return drafts.map((_, index) => first + index);
  }

  /** Writes numbered drafts of one case; returns the stored events. Call it last in the transaction: it takes the feed's head lock. */
  async append(tx: EntityManager, c: FeedCase, drafts: readonly CaseFeedDraft[], sequences: readonly number[]): Promise<CaseFeedEvent[]> {
    if (drafts.length === 0) return [];
    const moved = await tx
      .createQueryBuilder()
      .update(CaseFeedHead)
      .set({ position: () => `position + ${drafts.length}` })
      .where("id = :id", { id: FEED_HEAD_ID })
      .execute();
    // A database whose head row was never written (opened without the service's start-up): the first events start it.
    if (!moved.affected) await tx.insert(CaseFeedHead, { id: FEED_HEAD_ID, position: drafts.length });
    const head = await tx.findOneByOrFail(CaseFeedHead, { id: FEED_HEAD_ID });
    const first = head.position - drafts.length + 1;
    const rows = drafts.map((draft, index) =>
      Object.assign(new CaseFeedEventEntity(), {
        position: first + index,
        caseId: c.id,
        organizationId: c.organizationId,
        sequence: sequences[index]!,
        type: draft.type,
        actor: draft.actor,
        at: draft.at,
        changes: draft.changes.map((change) => ({ field: change.field, oldValue: cut(change.oldValue), newValue: cut(change.newValue) })),
        updateId: draft.updateId,
      }),
    );
    await tx.insert(CaseFeedEventEntity, rows);
    const events = rows.map(toFeedEvent);
    for (const follower of this.followers) await follower(tx, events);
    return events;
  }
}

/** Creates the head row when the feed is new (the SQLite default; MySQL's migration inserts it). Safe to race. */
export async function ensureFeedHead(dataSource: DataSource): Promise<void> {
  if (await dataSource.getRepository(CaseFeedHead).existsBy({ id: FEED_HEAD_ID })) return;
  try {
    await dataSource.getRepository(CaseFeedHead).insert({ id: FEED_HEAD_ID, position: 0 });
  } catch (error) {
    if (!(await dataSource.getRepository(CaseFeedHead).existsBy({ id: FEED_HEAD_ID }))) throw error;
  }
}
