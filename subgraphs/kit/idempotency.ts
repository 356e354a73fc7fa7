import { AsyncLocalStorage } from "node:async_hooks";
import { createHash, randomUUID } from "node:crypto";
import type { GraphQLResolveInfo } from "graphql";
import { Column, type DataSource, type EntityManager, Entity, Index, IsNull, LessThan, PrimaryColumn } from "typeorm";
import { domainError, ErrorCode } from "./errors.js";
import { IDEMPOTENCY_KEY_IN_FLIGHT, IDEMPOTENCY_KEY_REUSED } from "./idempotency-protocol.js";
import type { Principal } from "./principal.js";
import { inTransaction, whileCallerWaits } from "./transaction.js";

/** How long a receipt answers retries: as long as the gateway keeps its own record of the key. */
const RECEIPT_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a claim holds the key for an attempt that is running. An attempt ends long before (the gateway
 * gives up on a subgraph call after SUBGRAPH_TIMEOUT_MS, and then nothing commits: kit/transaction.ts),
 * and removes its claim when it fails; only a replica killed mid-attempt leaves one, freed after this.
 */
export const CLAIM_LEASE_MS = 30_000;

/**
 * A keyed mutation's hold on its key, then its receipt. Claimed (no answer yet) before the work starts,
 * so that a second attempt arriving meanwhile is told the first still runs instead of racing it; the
 * answer is written in the transaction of the change, so the receipt says "done" exactly when the change
 * committed. A retry whose first attempt committed but whose answer was lost (the gateway that waited for
 * it died, or this replica died before answering) finds it and is answered from it.
 */
@Entity("idempotency_receipts")
@Index(["createdAt"])
export class IdempotencyReceipt {
  /** `<kind>:<id>` of the caller: keys of different callers never meet. */
  @PrimaryColumn({ type: "varchar", length: 200 })
  principal: string;

  @PrimaryColumn({ type: "varchar", length: 255 })
  key: string;

  /** The mutation's response key (its alias, else its name): one request may run several mutations. */
  @PrimaryColumn({ type: "varchar", length: 100 })
  field: string;

  /** SHA-256 of the field's name and input: the same key with another input is refused. */
  @Column({ type: "varchar", length: 64 })
  fingerprint: string;

  /** JSON of what finds the result again (ids), written with the change; null while the attempt runs. */
  @Column({ type: "text", nullable: true })
  answer: string | null;

  /** The running attempt's claim (null once answered). */
  @Column({ type: "varchar", length: 36, nullable: true })
  claimToken: string | null;

  /** Until when the running attempt holds the key (null once answered). */
  @Column({ type: "datetime", precision: 3, nullable: true })
  claimedUntil: Date | null;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;
}

interface RequestKey {
  principal: string;
  key: string;
}

interface PendingReceipt extends RequestKey {
  field: string;
  fingerprint: string;
  claimToken: string;
  /** Set by `recordAnswer` (its transaction may still roll back: then the mutation fails). */
  answered?: boolean;
}

/** The key of the request being served (set by the subgraph server from the gateway's header). */
const requestKey = new AsyncLocalStorage<RequestKey | undefined>();
/** The receipt the mutation being run answers in its transaction (`recordAnswer`). */
const pendingReceipt = new AsyncLocalStorage<PendingReceipt | undefined>();

/** Runs `work` (the rest of a request) with its caller's Idempotency-Key, when the gateway forwarded one. */
export function withIdempotencyKey<T>(principal: Principal, key: string | undefined, work: () => T): T {
  return requestKey.run(key ? { principal: `${principal.kind}:${principal.id}`, key } : undefined, work);
}

function isDuplicateKey(error: unknown): boolean {
  for (let current = error as { code?: unknown; driverError?: unknown } | undefined, depth = 0; current && depth < 3; depth++) {
    if (current.code === "ER_DUP_ENTRY" || (typeof current.code === "string" && current.code.startsWith("SQLITE_CONSTRAINT"))) return true;
    current = current.driverError as typeof current;
  }
  return false;
}

/** A claim's own short transaction (on SQLite queued with the others: a lone write would land in whichever transaction is open). */
function claimWrite<T>(dataSource: DataSource, write: (tx: EntityManager) => Promise<T>): Promise<T> {
  return inTransaction(dataSource, write);
}

const inFlight = () => domainError(ErrorCode.CONFLICT, "A request with this Idempotency-Key is being processed; retry shortly", { reason: IDEMPOTENCY_KEY_IN_FLIGHT });
const reused = () => domainError(ErrorCode.CONFLICT, "This Idempotency-Key was used with a different request", { reason: IDEMPOTENCY_KEY_REUSED });

/**
 * Runs one keyed mutation at most once per caller and key. Without a forwarded key it is `run()`.
 * With one, the key's receipt decides: answered with the same input, `replay` answers from it; with
 * other input, CONFLICT (reason `IDEMPOTENCY_KEY_REUSED`); held by an attempt still running, CONFLICT
 * (reason `IDEMPOTENCY_KEY_IN_FLIGHT`, which clients retry). Otherwise this attempt claims the key and
 * `run` does the work; its transaction must call `recordAnswer` with the ids that find the result again.
 * A failed attempt gives its claim back.
 */
export async function idempotent<T, A extends Record<string, string>>(
  dataSource: DataSource,
  info: GraphQLResolveInfo,
  input: unknown,
  mutation: { run: () => Promise<T>; replay: (answer: A) => Promise<T> },
  clock: () => Date = () => new Date(),
): Promise<T> {
  const request = requestKey.getStore();
  if (!request) return mutation.run();
  const receipt: PendingReceipt = {
    ...request,
    field: String(info.path.key).slice(0, 100),
    fingerprint: createHash("sha256")
      .update(JSON.stringify([info.fieldName, input ?? null]))
      .digest("hex"),
    claimToken: randomUUID(),
  };
  const receipts = dataSource.getRepository(IdempotencyReceipt);
  const id = { principal: receipt.principal, key: receipt.key, field: receipt.field };
  for (let tries = 0; ; tries++) {
    const found = await receipts.findOneBy(id);
    if (found && found.fingerprint !== receipt.fingerprint) throw reused();
    if (found?.answer) return mutation.replay(JSON.parse(found.answer) as A);
    const now = clock();
    const claimedUntil = new Date(now.getTime() + CLAIM_LEASE_MS);
    if (found) {
      if (found.claimedUntil && found.claimedUntil > now) throw inFlight();
      // The attempt that held it is gone (its replica died): this one takes the key over.
      const taken = await claimWrite(dataSource, (tx) => tx.update(IdempotencyReceipt, { ...id, claimToken: found.claimToken ?? IsNull(), answer: IsNull() }, { claimToken: receipt.claimToken, claimedUntil }));
      if (taken.affected) break;
    } else {
      try {
        await claimWrite(dataSource, (tx) => tx.insert(IdempotencyReceipt, { ...id, fingerprint: receipt.fingerprint, answer: null, claimToken: receipt.claimToken, claimedUntil, createdAt: now }));
        break;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    // Another attempt claimed or answered it in between: read it again.
    if (tries >= 2) throw inFlight();
  }
  // Given back whether or not the caller still waits (the claim is no change made in its name).
  const giveBack = () => whileCallerWaits(new AbortController().signal, () => claimWrite(dataSource, (tx) => tx.delete(IdempotencyReceipt, { ...id, claimToken: receipt.claimToken, answer: IsNull() })));
  try {
    const result = await pendingReceipt.run(receipt, mutation.run);
    // A path that changed nothing recorded nothing: the key is free again, as without a receipt.
    if (!receipt.answered) await giveBack();
    return result;
  } catch (error) {
    // Nothing committed in this attempt's name: the key is free for the next one (a claim left behind by a crash expires).
    await giveBack().catch(() => undefined);
    throw error;
  }
}

/**
 * Inside a keyed mutation that holds its key: an opaque name (64 hex digits) of the caller, the key and
 * the mutation's response key, the same for every attempt of that request. Work an attempt leaves
 * behind outside the change's transaction (files held for it elsewhere) is tagged with it, so that a
 * later attempt, which holds the key only once no earlier one does, can find that work and undo it at
 * once instead of waiting for the recovery. Undefined outside a keyed mutation.
 */
export function attemptScope(): string | undefined {
  const receipt = pendingReceipt.getStore();
  if (!receipt) return undefined;
  return createHash("sha256")
    .update(JSON.stringify([receipt.principal, receipt.key, receipt.field]))
    .digest("hex");
}

/**
 * Inside the transaction of a keyed mutation's change (see `idempotent`): answers its receipt with
 * `answer`, the ids `replay` needs. Outside a keyed mutation it does nothing. Fails (and so rolls the
 * change back, retryably) when the claim was taken over, which only a stalled attempt sees.
 */
export async function recordAnswer(tx: EntityManager, answer: Record<string, string>): Promise<void> {
  const receipt = pendingReceipt.getStore();
  if (!receipt) return;
  const { principal, key, field, claimToken } = receipt;
  const result = await tx.update(IdempotencyReceipt, { principal, key, field, claimToken, answer: IsNull() }, { answer: JSON.stringify(answer), claimToken: null, claimedUntil: null });
  if (!result.affected) {
    throw domainError(ErrorCode.SERVICE_UNAVAILABLE, "This attempt took too long and another one holds its Idempotency-Key now; nothing was changed; retry");
  }
  receipt.answered = true;
}

/** Deletes receipts older than the gateway keeps keys (24 h): a retry that late is a new request at the gateway too. */
export async function pruneIdempotencyReceipts(dataSource: DataSource, now: Date): Promise<number> {
  const result = await dataSource.getRepository(IdempotencyReceipt).delete({ createdAt: LessThan(new Date(now.getTime() - RECEIPT_TTL_MS)) });
  return result.affected ?? 0;
}
