import { Redis } from "ioredis";

/** The Redis server the shared-rate-limit tests use (`TEST_REDIS_URL`, default the local one). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";

/**
 * Opens a connection that fails instead of retrying: a test that reads Redis learns at once that it is down.
 * The caller disconnects it.
 */
export async function connectRedis(): Promise<Redis> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  await redis.connect();
  return redis;
}

async function redisReachable(): Promise<boolean> {
  try {
    const redis = await connectRedis();
    try {
      await redis.ping();
    } finally {
      redis.disconnect();
    }
    return true;
  } catch (error) {
    if (process.env.CI === "true") throw new Error(`Redis at ${TEST_REDIS_URL} is unreachable, and CI must run the shared rate-limit tests on it: ${String(error)}`, { cause: error });
    console.warn(`Redis at ${TEST_REDIS_URL} is unreachable: rate limits are tested in memory only`);
    return false;
  }
}

/**
 * Whether the tests of budgets kept in Redis run: when Redis answers, and always under CI=true, where an
 * unreachable Redis fails the run instead of quietly leaving them out (the gateway itself would fall back
 * to counting in memory, and those tests would pass without Redis).
 */
export const REDIS_AVAILABLE = await redisReachable();
