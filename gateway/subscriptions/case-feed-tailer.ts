import type { KeyObject } from "node:crypto";
import { type CaseFeedEvent, compareFeedIds, MAX_FEED_SLICE } from "../../subgraphs/kit/case-feed-protocol.js";
import { FreshPass } from "../../subgraphs/kit/fresh-pass.js";
import { signIdentity } from "../../subgraphs/kit/identity.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import { RELAY_PRINCIPAL } from "../../subgraphs/kit/principal.js";
import { querySubgraph } from "../../subgraphs/kit/subgraph-client.js";

/**
 * What the gateway reads of each event: enough to order it and to filter it cheaply. A subscriber gets the
 * event itself through the graph (`caseFeedEvent`), as it may see it; nothing else (the actor's e-mail, the
 * changes) passes through the gateway's memory or the Redis channel.
 */
export type FeedEntry = Pick<CaseFeedEvent, "id" | "caseId" | "organizationId" | "type">;

/** A read of the feed (the cases subgraph's `caseFeedSince`, with the fields the gateway needs). */
export interface FeedSlice {
  head: string;
  oldest: string | null;
  events: FeedEntry[];
}

const FEED_SINCE = `query GatewayCaseFeedSince($after: ID!, $first: Int!, $caseId: ID, $organizationIds: [ID!]) {
  caseFeedSince(after: $after, first: $first, caseId: $caseId, organizationIds: $organizationIds) { head oldest events { id caseId organizationId type } }
}`;

/** Which events a read of the feed returns: all, one case's, or some organizations'. */
export interface FeedFilter {
  caseId?: string;
  organizationIds?: string[];
}

/** Reads the case feed (the cases subgraph's `caseFeedSince`). */
export interface FeedSource {
  since(after: string, first: number, filter?: FeedFilter): Promise<FeedSlice>;
}

/** The cases subgraph's feed, read as the relay's system principal (the only one its internal field accepts). */
export function casesFeedSource(options: { casesUrl: string; identityPrivateKey: KeyObject; timeoutMs?: number }): FeedSource {
  return {
    async since(after, first, filter = {}) {
      const caller = { url: options.casesUrl, subgraph: "cases", identityToken: signIdentity(RELAY_PRINCIPAL, "cases", options.identityPrivateKey), timeoutMs: options.timeoutMs ?? 10_000 };
      const answer = await querySubgraph<{ caseFeedSince: FeedSlice }>(caller, FEED_SINCE, { after, first, caseId: filter.caseId ?? null, organizationIds: filter.organizationIds ?? null });
      return answer.caseFeedSince;
    },
  };
}

/** A batch of consecutive feed events: every event after `after`, up to the last one's id. */
export interface FeedBatch {
  after: string;
  events: FeedEntry[];
}

export interface CaseFeedTailerOptions {
  source: FeedSource;
  logger: Logger;
  /** Poll this often (0: only when told, tests). */
  intervalMs: number;
  /** Hears of every batch this gateway fetched (the Redis fan-out publishes it). */
  onFetched?: (batch: FeedBatch) => void;
  /**
   * True while nobody needs the events (no subscriber here, no replica listening): the interval poll
   * then skips its call. A subscription reads its own starting point, so a position left behind costs
   * it nothing: events before that point are not handed to it.
   */
  idle?: () => boolean;
}

/**
 * Follows the feed from its head at start-up: polls `caseFeedSince` after the last id seen, every
 * `intervalMs` and whenever told (`poll()`: right after a mutation the gateway answered), and hands the
 * new events, in id order and each once, to its listeners. Batches fetched by other gateways (`receive`)
 * are taken when they continue from where this one is; one that starts further on means events are
 * missing here, and a poll fetches them.
 */
export class CaseFeedTailer {
  private position: string | undefined;
  private readonly listeners = new Set<(events: FeedEntry[]) => void>();
  private timer: NodeJS.Timeout | undefined;
  private readonly polls = new FreshPass(() => this.pass());
  private starting: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: CaseFeedTailerOptions) {}

  /** The id of the last event handed out (undefined until the head is known). */
  get head(): string | undefined {
    return this.position;
  }

  /** Hears of new events; returns the function that stops it. */
  listen(listener: (events: FeedEntry[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Learns the feed's head (retried until the cases subgraph answers) and starts the timer. */
  start(): void {
    if (this.options.intervalMs > 0) {
      // One warning when polls start failing (the cases subgraph is down), one line when they work again.
      let failing = false;
      this.timer = setInterval(() => {
        if (this.options.idle?.()) return;
        this.poll().then(
          () => {
            if (failing) this.options.logger.info("case feed polls work again");
            failing = false;
          },
          (error: unknown) => {
            if (!failing) this.options.logger.warn({ err: error }, "case feed poll failed; polls go on every interval");
            failing = true;
          },
        );
      }, this.options.intervalMs);
      this.timer.unref();
    }
    this.ready().catch((error: unknown) => this.options.logger.warn({ err: error }, "case feed head unknown yet; the next poll retries"));
  }

  /** Resolves once the head is known: a subscription starts from there. */
  ready(): Promise<void> {
    if (this.position !== undefined) return Promise.resolve();
    this.starting ??= this.options.source
      .since("0", 1)
      .then((slice) => {
        if (this.position === undefined) this.position = slice.head;
      })
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  /**
   * One poll. A poll already running may have read before the caller's change committed, so the caller
   * gets the next one, which starts when the running one ends; all callers meanwhile share it.
   */
  poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.polls.run();
  }

  /** A batch another gateway fetched (Redis): taken when it continues from here, else a poll fills the gap. */
  receive(batch: FeedBatch): void {
    if (this.position === undefined) return;
    if (compareFeedIds(batch.after, this.position) > 0) {
      const last = batch.events.at(-1);
      if (last && compareFeedIds(last.id, this.position) > 0) void this.poll().catch(() => undefined);
      return;
    }
    this.take(batch.events);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.polls.settled();
  }

  private async pass(): Promise<void> {
    if (this.position === undefined) await this.ready();
    for (;;) {
      const after = this.position!;
      const slice = await this.options.source.since(after, MAX_FEED_SLICE);
      if (slice.events.length) this.options.onFetched?.({ after, events: slice.events });
      this.take(slice.events);
      if (slice.events.length < MAX_FEED_SLICE || this.stopped) return;
    }
  }

  /** Hands out the events after the position, in order, and moves the position to the last. */
  private take(events: FeedEntry[]): void {
    const fresh = events.filter((event) => compareFeedIds(event.id, this.position!) > 0);
    if (!fresh.length) return;
    this.position = fresh.at(-1)!.id;
    for (const listener of this.listeners) {
      try {
        listener(fresh);
      } catch (error) {
        this.options.logger.error({ err: error }, "a case feed listener failed");
      }
    }
  }
}
