import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "../../subgraphs/kit/logger.js";
import type { FeedBatch } from "./case-feed-tailer.js";

/** Shares the feed batches one gateway fetched with the other replicas (Redis pub/sub). */
export interface FeedFanout {
  publish(batch: FeedBatch): void;
  close(): Promise<void>;
}

/**
 * With REDIS_URL: every batch of events a gateway fetched is published on `<prefix>:events`, and every
 * gateway hands the batches of the others to its tailer, which takes those that continue from where it
 * is (each event once) and polls when one shows a gap. Without Redis, or while it is down, each
 * gateway still polls the feed itself: the fan-out only makes other replicas' events arrive sooner.
 */
export async function createFeedFanout(url: string, prefix: string, logger: Logger, receive: (batch: FeedBatch) => void): Promise<FeedFanout> {
  const origin = randomUUID();
  const channel = `${prefix}:events`;
  const options = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true });
  let warned = false;
  const warn = (error: Error) => {
    if (warned) return;
    warned = true;
    logger.warn({ event: "redis_error", err: error }, "case feed fan-out unreachable: this gateway relies on its own polls until it is back");
  };
  for (const client of [publisher, subscriber]) {
    client.on("error", warn);
    client.on("ready", () => (warned = false));
  }
  subscriber.on("message", (from: string, message: string) => {
    if (from !== channel) return;
    try {
      const parsed = JSON.parse(message) as FeedBatch & { origin: string };
      if (parsed.origin !== origin) receive({ after: parsed.after, events: parsed.events });
    } catch (error) {
      logger.warn({ err: error }, "an unreadable case feed batch was ignored");
    }
  });
  await publisher.connect().catch(() => undefined);
  await subscriber.connect().catch(() => undefined);
  // Subscribed before the gateway serves (bounded: a Redis that is down must not hold the start-up).
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([subscriber.subscribe(channel).catch((error: Error) => warn(error)), new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
  clearTimeout(timer);
  return {
    publish(batch) {
      publisher.publish(channel, JSON.stringify({ origin, ...batch })).catch((error: Error) => warn(error));
    },
    async close() {
      await publisher.quit().catch(() => publisher.disconnect());
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
