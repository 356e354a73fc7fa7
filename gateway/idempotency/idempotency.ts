import { createHash } from "node:crypto";
import type { RequestHandler } from "express";
import { type DataSource, LessThan } from "typeorm";
import { IDEMPOTENCY_KEY_IN_FLIGHT, IDEMPOTENCY_KEY_REUSED, MAX_IDEMPOTENCY_KEY_LENGTH, RETRYABLE_CONFLICT_REASONS } from "../../subgraphs/kit/idempotency-protocol.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { queryScanOf } from "../protection/query-limits.js";
import { selectedOperation } from "../protection/query-scan.js";
import { IdempotencyRecord } from "./idempotency-record.entity.js";

export const IDEMPOTENCY_HEADER = "idempotency-key";
const TTL_MS = 24 * 60 * 60 * 1000;
/** Larger answers are not kept (a mutation payload is small; this bounds the table). */
const MAX_STORED_BODY = 60_000;
/** How long a key stays "being processed" when its request never settles it (default; see `pendingLeaseMs`). */
export const DEFAULT_PENDING_LEASE_MS = 30_000;
/**
 * Errors that say "try again": their answers are not replayed. Besides the retryable codes, the CONFLICTs
 * that clear by themselves (a subgraph's "this key's first attempt still runs", "a file another request
 * holds"): kept, such an answer would be all the retries of the key ever got.
 */
const RETRYABLE = new RegExp(`"code":"(INTERNAL_SERVER_ERROR|SERVICE_UNAVAILABLE|RATE_LIMITED)"|"reason":"(${RETRYABLE_CONFLICT_REASONS.join("|")})"`);

export interface IdempotencyOptions {
  /**
   * A key's record says "being processed" for at most this long. A gateway replica that dies (or loses
   * its database) mid-request never settles its record; without a limit the retries of that key would
   * be refused as CONFLICT for the record's whole 24 h. After it, a retry runs the mutation itself.
   * Keep it above the longest a mutation can take (the gateway waits SUBGRAPH_TIMEOUT_MS per call).
   */
  pendingLeaseMs?: number;
}

function graphqlError(res: Parameters<RequestHandler>[1], status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

/**
 * The first request with this key has not answered yet: retry it after a moment (409, `Retry-After`).
 * Apart from "different request" by `extensions.reason`: this one a client retries, that one never.
 */
function inFlight(res: Parameters<RequestHandler>[1]): void {
  res.setHeader("retry-after", "1");
  graphqlError(res, 409, "CONFLICT", "A request with this Idempotency-Key is being processed; retry shortly", { reason: IDEMPOTENCY_KEY_IN_FLIGHT });
}

function keyReused(res: Parameters<RequestHandler>[1]): void {
  graphqlError(res, 409, "CONFLICT", "This Idempotency-Key was used with a different request", { reason: IDEMPOTENCY_KEY_REUSED });
}

/**
 * `Idempotency-Key` on mutations: a retry with the same key and the same input gets the first
 * answer again (header `Idempotent-Replayed: true`) without the work being done twice; the same
 * key with other input, or while the first request still runs, is CONFLICT. Kept 24 h, per caller.
 * Runs after authentication, JSON parsing and `querySizeLimit`: a query over the size limits is
 * refused before it is fingerprinted or stored, and whether it is a mutation comes from that
 * middleware's scan of the text (no parse here). Mounted without it, it fails every keyed request.
 */
export function idempotency(dataSource: DataSource, clock: () => Date = () => new Date(), options: IdempotencyOptions = {}): RequestHandler {
  const pendingLeaseMs = options.pendingLeaseMs ?? DEFAULT_PENDING_LEASE_MS;
  const records = dataSource.getRepository(IdempotencyRecord);
  return async (req, res, next) => {
    const key = req.header(IDEMPOTENCY_HEADER);
    const body = req.body as { query?: unknown; variables?: unknown; operationName?: unknown } | undefined;
    if (key === undefined || req.method !== "POST") return next();
    const scan = queryScanOf(res);
    if (scan === undefined) return next(new Error("idempotency is mounted before querySizeLimit: the query text has not been checked"));
    // A text that does not lex is no operation at all: the GraphQL server answers the syntax error.
    if (scan === null || selectedOperation(scan, body?.operationName)?.operation !== "mutation") return next();
    if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      return graphqlError(res, 400, "BAD_USER_INPUT", `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, { field: "Idempotency-Key" });
    }
    const principal = res.locals.principal as Principal;
    const owner = `${principal.kind}:${principal.id}`;
    const fingerprint = createHash("sha256")
      .update(JSON.stringify([body?.query, body?.variables ?? null, body?.operationName ?? null]))
      .digest("hex");
    const now = clock();
    try {
      await records.delete({ principal: owner, key, expiresAt: LessThan(now) });
      // Pending until settled: the record expires with the lease, so that a dead request's key frees up.
      await records.insert({ principal: owner, key, fingerprint, statusCode: null, body: null, expiresAt: new Date(now.getTime() + pendingLeaseMs) });
    } catch {
      const existing = await records.findOneBy({ principal: owner, key });
      if (!existing || existing.statusCode === null || existing.body === null) {
        if (existing && existing.fingerprint !== fingerprint) return keyReused(res);
        return inFlight(res);
      }
      if (existing.fingerprint !== fingerprint) return keyReused(res);
      res.status(existing.statusCode).setHeader("content-type", "application/json; charset=utf-8").setHeader("idempotent-replayed", "true").end(existing.body);
      return;
    }
    // The subgraphs that run the mutation get the key too (GatewayContext.idempotencyKey).
    res.locals.idempotencyKey = key;
    // Keep what the GraphQL server answers, then let it go out unchanged.
    const chunks: Buffer[] = [];
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (chunk) chunks.push(Buffer.from(chunk as Buffer));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk && typeof chunk !== "function") chunks.push(Buffer.from(chunk as Buffer));
      const body = Buffer.concat(chunks).toString("utf8");
      const keep = res.statusCode < 500 && body.length <= MAX_STORED_BODY && !RETRYABLE.test(body);
      const settle = keep ? records.update({ principal: owner, key }, { statusCode: res.statusCode, body, expiresAt: new Date(clock().getTime() + TTL_MS) }) : records.delete({ principal: owner, key });
      // The record is settled before the answer leaves, so that a retry never finds it half-written.
      settle.catch(() => undefined).finally(() => (end as (...args: unknown[]) => unknown)(chunk, ...rest));
      return res;
    }) as typeof res.end;
    next();
  };
}
