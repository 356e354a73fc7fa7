import type { Request, RequestHandler, Response } from "express";
import { Redis } from "ioredis";
import type { Logger } from "../../subgraphs/kit/logger.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { queryScanOf } from "../protection/query-limits.js";
import { selectedOperation } from "../protection/query-scan.js";

/**
 * Read-your-writes over MySQL replicas. A caller who sent a mutation (or an upload) is marked for
 * `seconds`; until the mark expires, every subgraph call of that caller's requests carries
 * `x-casegraph-read-primary`, and the subgraphs read from the primary (subgraphs/kit/read-routing.ts).
 * Everyone else's queries read from replicas. The mark lives in Redis when REDIS_URL is set, so the
 * next request may land on any gateway replica; when Redis cannot answer, the caller reads from the
 * primary (slower, never stale). docs/architecture.md explains the choice.
 */
export interface RecentWriters {
  /** Before `forwardUploads`: marks the caller of a multipart upload. */
  markUploads: RequestHandler;
  /** After `querySizeLimit`: marks the caller of a mutation; sets `readPrimary` for the caller of a query who wrote recently. */
  route: RequestHandler;
  close(): Promise<void>;
}

export interface RecentWritersConfig {
  /** How long a caller reads from the primary after a write (READ_YOUR_WRITES_SECONDS); 0 turns marking off. */
  seconds: number;
  redisUrl?: string;
  keyPrefix: string;
}

/** Whether the request's subgraph calls must read from the primary (set by `route`). */
export function readsPrimary(res: Response): boolean {
  return res.locals.readPrimary === true;
}

const principalKey = (principal: Principal) => `${principal.kind}:${principal.id}`;

export function createRecentWriters(config: RecentWritersConfig, logger: Logger): RecentWriters {
  const local = new Map<string, number>();
  const redis = config.seconds > 0 && config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  let warned = false;
  redis?.on("error", (error: Error) => {
    if (warned) return;
    warned = true;
    logger.warn({ event: "redis_error", err: error }, "read-your-writes store unreachable: callers read from the primary until it is back");
  });
  redis?.on("ready", () => (warned = false));
  redis?.connect().catch(() => undefined);
  const key = (principal: Principal) => `${config.keyPrefix}:wrote:${principalKey(principal)}`;

  async function mark(principal: Principal): Promise<void> {
    local.set(principalKey(principal), Date.now() + config.seconds * 1000);
    if (local.size > 10_000) for (const [name, until] of local) if (until < Date.now()) local.delete(name);
    await redis?.set(key(principal), "1", "EX", config.seconds).catch(() => undefined);
  }
  async function wroteRecently(principal: Principal): Promise<boolean> {
    if ((local.get(principalKey(principal)) ?? 0) > Date.now()) return true;
    if (!redis) return false;
    // Unknown (Redis down) counts as "wrote": a stale read is the one answer this must never give.
    return redis.exists(key(principal)).then(
      (count) => count > 0,
      () => true,
    );
  }
  const principalOf = (res: Response) => res.locals.principal as Principal | undefined;
  const off: RequestHandler = (_req, _res, next) => next();
  if (config.seconds === 0) return { markUploads: off, route: off, close: async () => undefined };

  return {
    async markUploads(req: Request, res, next) {
      const principal = principalOf(res);
      if (principal && req.method === "POST" && req.is("multipart/form-data")) {
        await mark(principal);
        res.locals.readPrimary = true;
      }
      next();
    },
    async route(req, res, next) {
      const principal = principalOf(res);
      const scan = queryScanOf(res);
      if (!principal || !scan) return next();
      const operation = selectedOperation(scan, (req.body as { operationName?: unknown } | undefined)?.operationName)?.operation;
      if (operation === "mutation") {
        // Marked before the work starts: by the time the answer reaches the client, every gateway knows.
        await mark(principal);
        res.locals.readPrimary = true;
      } else if (await wroteRecently(principal)) {
        res.locals.readPrimary = true;
      }
      next();
    },
    async close() {
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
