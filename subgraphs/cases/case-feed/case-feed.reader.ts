import { type DataSource, LessThan } from "typeorm";
import { isFeedId, MAX_FEED_SLICE } from "../../kit/case-feed-protocol.js";
import { badInput } from "../../kit/errors.js";
import { CaseFeedEventEntity, CaseFeedHead, FEED_HEAD_ID } from "./case-feed-event.entity.js";

export interface FeedSliceRows {
  head: number;
  oldest: number | null;
  rows: CaseFeedEventEntity[];
}

/** Reads of the case feed: one event, a slice after a position, and retention. */
export class CaseFeedReader {
  constructor(private readonly dataSource: DataSource) {}

  async byId(id: string): Promise<CaseFeedEventEntity | null> {
    if (!isFeedId(id)) return null;
    return this.dataSource.getRepository(CaseFeedEventEntity).findOneBy({ position: Number(id) });
  }

  /** Events after `after`, oldest first; `head` is read first, so every event up to it is in this or a later slice. */
  async since(after: string, first: number, filter: { caseId?: string | null; organizationIds?: readonly string[] | null } = {}): Promise<FeedSliceRows> {
    if (!isFeedId(after)) throw badInput("after", "after is an event id (a decimal number)");
    if (first < 1 || first > MAX_FEED_SLICE) throw badInput("first", `first is between 1 and ${MAX_FEED_SLICE}`);
    const head = (await this.dataSource.getRepository(CaseFeedHead).findOneBy({ id: FEED_HEAD_ID }))?.position ?? 0;
    const query = this.dataSource
      .getRepository(CaseFeedEventEntity)
      .createQueryBuilder("e")
      .where("e.position > :after", { after: Number(after) })
      .orderBy("e.position", "ASC")
      .limit(first);
    if (filter.caseId) query.andWhere("e.caseId = :caseId", { caseId: filter.caseId });
    if (filter.organizationIds) {
      if (filter.organizationIds.length === 0) return { head, oldest: await this.oldest(), rows: [] };
      query.andWhere("e.organizationId IN (:...organizationIds)", { organizationIds: [...filter.organizationIds] });
    }
    return { head, oldest: await this.oldest(), rows: await query.getMany() };
  }

  async oldest(): Promise<number | null> {
    const row = await this.dataSource.getRepository(CaseFeedEventEntity).createQueryBuilder("e").select("MIN(e.position)", "oldest").getRawOne<{ oldest: string | number | null }>();
    return row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest);
  }

  /** Deletes events older than `retentionDays` before `now`, in batches; returns how many went. */
  async prune(now: Date, retentionDays: number, batch = 1000): Promise<number> {
    const cutoff = new Date(now.getTime() - retentionDays * 24 * 60 * 60 * 1000);
    const repository = this.dataSource.getRepository(CaseFeedEventEntity);
    let removed = 0;
    for (;;) {
      const old = await repository.find({ select: { position: true }, where: { at: LessThan(cutoff) }, order: { position: "ASC" }, take: batch });
      if (old.length === 0) return removed;
      await repository.delete(old.map((row) => row.position));
      removed += old.length;
      if (old.length < batch) return removed;
    }
  }
}
