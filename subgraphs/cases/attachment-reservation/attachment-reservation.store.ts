import { randomUUID } from "node:crypto";
import { type DataSource, type EntityManager, In } from "typeorm";
import type { ReservationCommandKind, ReservationDelivery } from "../../kit/reservation-protocol.js";
import { inTransaction } from "../../kit/transaction.js";
import { AttachmentReservationEntity, ReservationState } from "./attachment-reservation.entity.js";

/**
 * First retry of a command the relay could not deliver; doubles with every further try, up to RETRY_MAX_MS.
 * The cap is low: both commands are idempotent and cheap, and until one gets through the files stay held,
 * refused to the caller's retries, so a delivery that failed through an outage must not wait long after it.
 */
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 60_000;

/** The command a state stands for, and the final state its delivery leads to. */
const COMMANDS: Partial<Record<ReservationState, { command: ReservationCommandKind; done: ReservationState }>> = {
  [ReservationState.COMMITTED]: { command: "confirm", done: ReservationState.CONFIRMED },
  [ReservationState.RELEASING]: { command: "release", done: ReservationState.RELEASED },
};
const DELIVERABLE = [ReservationState.COMMITTED, ReservationState.RELEASING];

export interface ReservationTimings {
  /** A reservation still PENDING this long after it was written belongs to a request that died: it is released. */
  pendingTimeoutMs: number;
  /** How long a relay pass owns the commands it claimed, and how long the request's own try has before the relay may step in. */
  leaseMs: number;
}

/** A batch of commands one relay pass owns until `leaseExpiresAt`. */
export interface ReservationClaim {
  claimToken: string;
  leaseExpiresAt: Date;
  rows: { reservation: AttachmentReservationEntity; command: ReservationCommandKind }[];
}

/**
 * The reservation rows of the cases database: every state change is one conditional UPDATE, so
 * that two parties racing for a row (the request and the recovery, or two relay passes) cannot
 * both win it. Nothing here calls another service.
 */
export class ReservationStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: () => Date,
    readonly timings: ReservationTimings,
  ) {}

  /** Step 1: the intent, PENDING, in its own small transaction; `requestScope` names the keyed request it serves, if any. */
  async writeIntent(id: string, caseId: string, updateId: string | null, attachmentIds: string[], requestScope: string | null = null): Promise<void> {
    const now = this.clock();
    const row = Object.assign(new AttachmentReservationEntity(), {
      id,
      caseId,
      updateId,
      attachmentIds,
      state: ReservationState.PENDING,
      createdAt: now,
      attempts: 0,
      nextAttemptAt: now,
      claimToken: null,
      leaseExpiresAt: null,
      lastError: null,
      requestScope,
    });
    await inTransaction(this.dataSource, (tx) => tx.insert(AttachmentReservationEntity, row));
  }

  /**
   * Reservations written for the keyed request `requestScope` that are neither committed nor finished:
   * PENDING (their attempt died, stalled or has not reached its commit) or RELEASING (their release has not
   * got through yet). Read on the primary, in a transaction, so a lagging replica cannot hide one.
   */
  async unfinishedOf(requestScope: string): Promise<AttachmentReservationEntity[]> {
    return inTransaction(this.dataSource, (tx) =>
      tx.getRepository(AttachmentReservationEntity).find({ where: { requestScope, state: In([ReservationState.PENDING, ReservationState.RELEASING]) }, order: { createdAt: "ASC", id: "ASC" } }),
    );
  }

  /**
   * Step 3, inside the main transaction: PENDING → COMMITTED. False when the row is no longer PENDING
   * (the recovery released it), in which case the main transaction must not commit.
   */
  async markCommitted(tx: EntityManager, id: string): Promise<boolean> {
    return this.move(tx, id, ReservationState.PENDING, ReservationState.COMMITTED, this.ownTry());
  }

  /** Step 5: PENDING → RELEASING, before the release is sent. False when the row was not PENDING (committed, or released by the recovery). */
  async markReleasing(id: string): Promise<boolean> {
    return inTransaction(this.dataSource, (tx) => this.move(tx, id, ReservationState.PENDING, ReservationState.RELEASING, this.ownTry()));
  }

  /** After a delivered command: COMMITTED → CONFIRMED or RELEASING → RELEASED. */
  async markDelivered(id: string, from: ReservationState.COMMITTED | ReservationState.RELEASING): Promise<boolean> {
    return inTransaction(this.dataSource, (tx) => this.move(tx, id, from, COMMANDS[from]!.done, { claimToken: null, leaseExpiresAt: null, lastError: null }));
  }

  /** The request's own try failed: the relay may deliver the command from its next pass on. */
  async dueNow(id: string, error: unknown): Promise<void> {
    await inTransaction(this.dataSource, (tx) =>
      tx
        .createQueryBuilder()
        .update(AttachmentReservationEntity)
        .set({ nextAttemptAt: this.clock(), lastError: describe(error) })
        .where("id = :id AND state IN (:...deliverable) AND claim_token IS NULL", { id, deliverable: DELIVERABLE })
        .execute(),
    );
  }

  /**
   * Step 6, the recovery: PENDING rows older than the timeout become RELEASING, due at once. Their
   * request died between writing the intent and committing; the main transaction's conditional
   * PENDING → COMMITTED makes the two exclusive. Returns how many rows it moved.
   */
  async releaseStalePending(): Promise<number> {
    const now = this.clock();
    const cutoff = new Date(now.getTime() - this.timings.pendingTimeoutMs);
    const result = await inTransaction(this.dataSource, (tx) =>
      tx
        .createQueryBuilder()
        .update(AttachmentReservationEntity)
        .set({ state: ReservationState.RELEASING, nextAttemptAt: now, lastError: "the request that reserved the files did not finish" })
        .where("state = :pending AND created_at < :cutoff", { pending: ReservationState.PENDING, cutoff })
        .execute(),
    );
    return result.affected ?? 0;
  }

  /**
   * Step 7, for the relay: claims up to `limit` due COMMITTED and RELEASING rows with a lease (like the
   * mail outbox: candidates read without locks, then one conditional UPDATE that re-checks each row,
   * then the rows read back by the fresh token). Counting the attempt at claim time means a command
   * that crashes its relay still backs off.
   */
  async claim(limit: number): Promise<ReservationClaim> {
    const now = this.clock();
    const claimToken = randomUUID();
    const leaseExpiresAt = new Date(now.getTime() + this.timings.leaseMs);
    const due = "state IN (:...deliverable) AND next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now)";
    const candidates: { id: string }[] = await this.dataSource
      .getRepository(AttachmentReservationEntity)
      .createQueryBuilder("r")
      .select("r.id", "id")
      .where("r.state IN (:...deliverable) AND r.nextAttemptAt <= :now AND (r.leaseExpiresAt IS NULL OR r.leaseExpiresAt <= :now)", { deliverable: DELIVERABLE, now })
      .orderBy("r.nextAttemptAt", "ASC")
      .addOrderBy("r.id", "ASC")
      .limit(limit)
      .getRawMany();
    if (candidates.length === 0) return { claimToken, leaseExpiresAt, rows: [] };
    const claimed = await inTransaction(this.dataSource, async (tx) => {
      await tx
        .createQueryBuilder()
        .update(AttachmentReservationEntity)
        .set({ claimToken, leaseExpiresAt, attempts: () => "attempts + 1" })
        .where("id IN (:...ids)", { ids: candidates.map((c) => c.id) })
        .andWhere(due, { deliverable: DELIVERABLE, now })
        .execute();
      return tx.getRepository(AttachmentReservationEntity).find({ where: { claimToken }, order: { nextAttemptAt: "ASC", id: "ASC" } });
    });
    const rows = claimed.flatMap((reservation) => {
      const command = COMMANDS[reservation.state]?.command;
      return command ? [{ reservation, command }] : [];
    });
    return { claimToken, leaseExpiresAt, rows };
  }

  /**
   * Records what the relay reports for the commands of its claim: a delivered command ends its row
   * (CONFIRMED or RELEASED), a failed one is retried later with a growing delay. Reports for rows the
   * claim no longer holds (its lease ran out and another pass took them) are ignored. Returns how many
   * reports were recorded.
   */
  async recordDeliveries(claimToken: string, deliveries: readonly ReservationDelivery[]): Promise<number> {
    if (deliveries.length === 0) return 0;
    const now = this.clock();
    return inTransaction(this.dataSource, async (tx) => {
      const held = await tx.getRepository(AttachmentReservationEntity).find({ where: { claimToken } });
      let recorded = 0;
      for (const delivery of deliveries) {
        const row = held.find((r) => r.id === delivery.reservationId);
        const command = row && COMMANDS[row.state];
        if (!row || !command) continue;
        const changes = delivery.delivered
          ? { state: command.done, claimToken: null, leaseExpiresAt: null, lastError: null }
          : { nextAttemptAt: new Date(now.getTime() + retryDelayMs(row.attempts)), claimToken: null, leaseExpiresAt: null, lastError: (delivery.error ?? "not delivered").slice(0, 1000) };
        const result = await tx.update(AttachmentReservationEntity, { id: row.id, claimToken, state: row.state }, changes);
        recorded += result.affected ?? 0;
      }
      return recorded;
    });
  }

  /** A new command, which the request tries itself first: the relay may step in one lease later. */
  private ownTry(): Partial<AttachmentReservationEntity> {
    return { attempts: 0, nextAttemptAt: new Date(this.clock().getTime() + this.timings.leaseMs) };
  }

  /** `from` → `to` with `changes`, only while the row is in `from`: true when this call moved it. */
  private async move(tx: EntityManager, id: string, from: ReservationState, to: ReservationState, changes: Partial<AttachmentReservationEntity>): Promise<boolean> {
    const result = await tx
      .createQueryBuilder()
      .update(AttachmentReservationEntity)
      .set({ ...changes, state: to })
      .where("id = :id AND state = :from", { id, from })
      .execute();
    return result.affected === 1;
  }
}

/** Delay before the next try after `attempts` failed ones. */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1000);
}
