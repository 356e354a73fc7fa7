import type { Request, RequestHandler, Response } from "express";
import { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import type { Principal } from "../../subgraphs/kit/principal.js";

/** Requests per minute; see `.env.example` (RATE_LIMIT_*). */
export interface RateLimitConfig {
  /** Per partner API key. */
  apiKeyPerMinute: number;
  /** Per signed-in user. */
  userPerMinute: number;
  /**
   * Per client IP for requests without valid credentials (401s count: slows down credential guessing).
   * Only such requests are counted and refused: valid credentials from the same address are served.
   */
  unauthenticatedPerMinute: number;
  /** Shared counters for several gateway replicas; in-process memory when absent. */
  redisUrl?: string;
  /** Prefix of the Redis keys (deployments or test runs sharing one Redis keep apart). */
  keyPrefix: string;
}

type Budget = "apiKey" | "user" | "ip";

const WINDOW_SECONDS = 60;

/**
 * Per-minute request budgets, keyed on the authenticated principal (`res.locals.principal`) or, without
 * valid credentials, on `req.ip`. Mount `beforeAuthentication` in front of the authentication middleware,
 * `afterAuthentication` behind it, and call `refuseUnauthenticated` where it answers 401.
 * Every answer carries X-RateLimit-Limit, -Remaining and -Reset (Unix seconds); a request over budget
 * gets 429 RATE_LIMITED with Retry-After (seconds).
 *
 * An address's budget is spent only by requests without valid credentials, and refuses only those:
 * many people share one address behind a corporate NAT or proxy, and one noisy machine there must not
 * lock its colleagues' valid tokens and keys out. A request with valid credentials counts against its
 * principal's budget alone.
 */
export interface RateLimits {
  /** Refuses, before any credential check, a request that carries no credential at all from an address over its budget. */
  beforeAuthentication: RequestHandler;
  afterAuthentication: RequestHandler;
  /** Counts a failed authentication against the IP; true when it answered 429 instead of the caller's 401. */
  refuseUnauthenticated(req: Request, res: Response): Promise<boolean>;
  /**
   * Spends one point of a principal's budget outside an HTTP request (a subscription started over a
   * WebSocket counts as a request); the seconds to wait when the budget was already spent.
   */
  spend(principal: Principal): Promise<{ retryAfter: number } | null>;
  /** The same for a failed authentication outside an HTTP request, against the client's address. */
  spendUnauthenticated(ip: string): Promise<{ retryAfter: number } | null>;
  close(): Promise<void>;
}

/** `onRefused` hears of every 429, with the budget spent (the refusals metric). */
export async function createRateLimits(config: RateLimitConfig, logger: Logger, onRefused: (budget: Budget) => void = () => undefined): Promise<RateLimits> {
  const points: Record<Budget, number> = { apiKey: config.apiKeyPerMinute, user: config.userPerMinute, ip: config.unauthenticatedPerMinute };
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  const limiterFor = (budget: Budget): RateLimiterAbstract => {
    const options = { points: points[budget], duration: WINDOW_SECONDS, keyPrefix: `${config.keyPrefix}:${budget}` };
    const memory = new RateLimiterMemory(options);
    // When Redis is down each replica falls back to its own in-memory budget rather than refusing everyone.
    return redis ? new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory }) : memory;
  };
  const limiters: Record<Budget, RateLimiterAbstract> = { apiKey: limiterFor("apiKey"), user: limiterFor("user"), ip: limiterFor("ip") };

  const announce = (res: Response, budget: Budget, state: RateLimiterRes) => {
    res.setHeader("X-RateLimit-Limit", String(points[budget]));
    res.setHeader("X-RateLimit-Remaining", String(Math.max(0, state.remainingPoints)));
    res.setHeader("X-RateLimit-Reset", String(Math.ceil((Date.now() + state.msBeforeNext) / 1000)));
  };
  const refuse = (res: Response, budget: Budget, state: RateLimiterRes) => {
    const retryAfter = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    onRefused(budget);
    announce(res, budget, state);
    res.setHeader("Retry-After", String(retryAfter));
    res.status(429).json({ errors: [{ message: `Too many requests: try again in ${retryAfter} s`, extensions: { code: ErrorCode.RATE_LIMITED, retryAfter } }] });
  };
  /** Takes one point; the state after it, and whether the budget was already spent. */
  const consume = async (budget: Budget, key: string): Promise<{ state: RateLimiterRes; over: boolean }> => {
    try {
      return { state: await limiters[budget].consume(key), over: false };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { state: rejection, over: true };
      throw rejection;
    }
  };
  const ipOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? "unknown";

  return {
    async beforeAuthentication(req, res, next) {
      // A request carrying a credential is checked first: a valid one is served whatever its address spent.
      if (carriesCredential(req)) return next();
      try {
        const state = await limiters.ip.get(ipOf(req));
        if (state && state.consumedPoints >= points.ip) return refuse(res, "ip", state);
        next();
      } catch (error) {
        next(error);
      }
    },
    async afterAuthentication(req, res, next) {
      const principal = res.locals.principal as Principal | undefined;
      if (!principal) return next();
      try {
        const budget: Budget = principal.kind === "apiKey" ? "apiKey" : "user";
        const { state, over } = await consume(budget, `${principal.kind}:${principal.id}`);
        if (over) {
          logger.warn({ event: "rate_limited", principal: `${principal.kind}:${principal.id}`, path: req.path }, "rate limit reached");
          return refuse(res, budget, state);
        }
        announce(res, budget, state);
        next();
      } catch (error) {
        next(error);
      }
    },
    async refuseUnauthenticated(req, res) {
      const { state, over } = await consume("ip", ipOf(req));
      if (over) {
        logger.warn({ event: "rate_limited", ip: ipOf(req), path: req.path }, "rate limit reached for unauthenticated requests");
        refuse(res, "ip", state);
        return true;
      }
      announce(res, "ip", state);
      return false;
    },
    async spend(principal) {
      const budget: Budget = principal.kind === "apiKey" ? "apiKey" : "user";
      const { state, over } = await consume(budget, `${principal.kind}:${principal.id}`);
      if (!over) return null;
      onRefused(budget);
      logger.warn({ event: "rate_limited", principal: `${principal.kind}:${principal.id}`, path: "subscription" }, "rate limit reached");
      return { retryAfter: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
    },
    async spendUnauthenticated(ip) {
      const { state, over } = await consume("ip", ip);
      if (!over) return null;
      onRefused("ip");
      return { retryAfter: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
    },
    async close() {
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

/** Whether the request names a credential at all (valid or not); the authenticator decides which. */
function carriesCredential(req: Request): boolean {
  const authorization = req.headers.authorization;
  return (typeof authorization === "string" && authorization.trim() !== "") || req.headers["x-api-key"] !== undefined;
}

/** Connects before the first request so that replicas count in Redis from the start; a failure leaves the memory fallback. */
async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  let warned = false;
  redis.on("error", (error: Error) => {
    if (warned) return;
    warned = true;
    logger.warn({ event: "redis_error", err: error }, "rate-limit store unreachable: counting in memory until it is back");
  });
  redis.on("ready", () => {
    warned = false;
  });
  await redis.connect().catch(() => undefined);
  return redis;
}
