import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { domainError, ErrorCode } from "../../kit/errors.js";
import type { ReservedFile } from "../../kit/reservation-protocol.js";
import { attemptScope } from "../../kit/idempotency.js";
import type { Logger } from "../../kit/logger.js";
import { inTransaction } from "../../kit/transaction.js";
import type { AttachmentLinker, ReservationTarget } from "../case/attachment-linker.js";
import { ReservationState } from "./attachment-reservation.entity.js";
import type { ReservationStore } from "./attachment-reservation.store.js";

/**
 * The points between two steps of the protocol (see ReservationCoordinator), where a test's fault
 * hook runs: "intent-written" (1 done), "reserved" (2 done), "main-transaction" (3 written, inside
 * the transaction, before its commit), "committed" (3 done), "confirmed" (4 sent, the row not yet
 * CONFIRMED); on the failure path "releasing" (the row RELEASING, the release not yet sent) and
 * "released" (the release sent, the row not yet RELEASED).
 */
export const RESERVATION_STEPS = ["intent-written", "reserved", "main-transaction", "committed", "confirmed", "releasing", "released"] as const;
export type ReservationStep = (typeof RESERVATION_STEPS)[number];

/**
 * Runs between two steps. Throwing a SimulatedCrash stops the request as if its process died there:
 * no compensation, no further step. Any other error is an ordinary failure of the step that follows
 * (after "committed", the confirm; after "releasing", the release; and so on).
 */
export type ReservationFaults = (step: ReservationStep) => void | Promise<void>;

/** What a fault hook throws to stop a request the way a dying process would (tests only). */
export class SimulatedCrash extends Error {
  constructor(readonly step: ReservationStep) {
    super(`simulated crash after ${step}`);
    this.name = "SimulatedCrash";
  }
}

/** Attachment ids a request may name at all: the largest MAX_FILES_PER_UPLOAD the attachments subgraph accepts (which applies the configured one). */
export const MAX_ATTACHMENT_IDS = 100;

/** Files to attach with a change the caller is making, and the case facts the attachments subgraph checks them against. */
export interface AttachmentRequest extends ReservationTarget {
  attachmentIds: string[];
  /** The caller's gateway-signed token: the attachments subgraph's visibility rules decide about the caller. */
  identityToken: string;
}

/**
 * Attaches files to a case or update that the cases subgraph commits, across two databases, without
 * a call to another service while a transaction or row lock is held, and so that no file is ever
 * ATTACHED to a case or update that does not exist. Reserve before, confirm after:
 *
 *   1. intent     a reservation row R, PENDING, in its own small transaction (ids of the case and update chosen beforehand)
 *   2. reserve    attachments: the files' rules are checked and the files held for R (RESERVED)      - HTTP, no lock held
 *   3. commit     one transaction: lock the case, apply the rules, write the change, history, mail
 *                 outbox, and R PENDING → COMMITTED (conditional: if R is not PENDING, nothing commits)
 *   4. confirm    attachments: R's files become ATTACHED; then R → CONFIRMED                        - HTTP, after the commit
 *   5. release    when 2 or 3 fails: R PENDING → RELEASING, attachments gives the files back (STAGED),
 *                 then R → RELEASED                                                                   - HTTP, best effort
 *   6. recovery   R still PENDING after RESERVATION_PENDING_TIMEOUT_SECONDS: its request died; R → RELEASING
 *                 (the conditional updates of 3 and 6 make commit and recovery exclusive). Sooner for a
 *                 request with an Idempotency-Key: its retry, which holds the key only once no earlier
 *                 attempt does, releases what earlier attempts left PENDING or RELEASING before step 1
 *   7. relay      the gateway's relay claims COMMITTED and RELEASING rows whose own try did not get
 *                 through and delivers confirm or release as its system principal, then acknowledges.
 *
 * A file is ATTACHED only by a confirm, and a confirm exists only for a committed R; a reserve that
 * arrives after its release is refused by the attachments subgraph. Every HTTP step is idempotent,
 * so delivering one twice (the request and the relay) is harmless. A failure after the commit is not
 * the client's: the change stands, and the relay finishes the files.
 */
export class ReservationCoordinator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: ReservationStore,
    private readonly attachments: AttachmentLinker,
    private readonly logger: Logger,
    private readonly faults: ReservationFaults = () => undefined,
  ) {}

  /**
   * Runs `change` (the caller's main transaction: lock, rules, writes) as step 3 of the protocol
   * when files come with it, or as a plain transaction when none do. `change` gets the files held for
   * it, with their names (the case's searchable text takes them in the same transaction).
   */
  async commitWithAttachments<T>(request: AttachmentRequest, change: (tx: EntityManager, files: readonly ReservedFile[]) => Promise<T>): Promise<T> {
    if (request.attachmentIds.length === 0) return inTransaction(this.dataSource, (tx) => change(tx, []));
    const requestScope = attemptScope() ?? null;
    if (requestScope) await this.releaseEarlierAttempts(requestScope, request.identityToken);
    const reservationId = randomUUID();
    await this.store.writeIntent(reservationId, request.caseId, request.updateId, request.attachmentIds, requestScope);
    let result: T;
    try {
      await this.faults("intent-written");
      const { attachmentIds, identityToken, ...target } = request;
      const files = await this.attachments.reserve(identityToken, reservationId, target, attachmentIds);
      await this.faults("reserved");
      result = await inTransaction(this.dataSource, async (tx) => {
        const value = await change(tx, files);
        if (!(await this.store.markCommitted(tx, reservationId))) {
          throw domainError(ErrorCode.SERVICE_UNAVAILABLE, "The files were held for this request too long and have been given back; retry");
        }
        await this.faults("main-transaction");
        return value;
      });
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) await this.release({ id: reservationId, caseId: request.caseId, state: ReservationState.PENDING }, request.identityToken);
      throw error;
    }
    await this.confirm(request, reservationId);
    return result;
  }

  /** Step 4, the request's own try: a failure leaves R COMMITTED for the relay; the change stands. */
  private async confirm(request: AttachmentRequest, reservationId: string): Promise<void> {
    try {
      await this.faults("committed");
      await this.attachments.confirm(request.identityToken, reservationId);
      await this.faults("confirmed");
      await this.store.markDelivered(reservationId, ReservationState.COMMITTED);
    } catch (error) {
      if (error instanceof SimulatedCrash) throw error;
      this.logger.warn({ err: error, reservationId }, "confirming attached files failed; the relay will retry");
      await this.store.dueNow(reservationId, error).catch(() => undefined);
    }
  }

  /**
   * Step 6 for a retry of a keyed request: files an earlier attempt of it still holds (its replica was
   * killed, its caller gave up and the release did not get through, or it stalled past its claim on the
   * key) would be refused to this attempt as ATTACHMENT_RESERVED until the recovery and the relay give
   * them back, minutes later. This attempt holds the key, so none of those attempts can answer any more
   * (their answer needs the key, and their commit needs R PENDING, which the release ends first): release
   * their files now. A release that fails stays due for the relay, and the reserve that follows says
   * "retry shortly" as before.
   */
  private async releaseEarlierAttempts(requestScope: string, identityToken: string): Promise<void> {
    for (const earlier of await this.store.unfinishedOf(requestScope)) {
      this.logger.info({ reservationId: earlier.id, state: earlier.state }, "a retry releases the files an earlier attempt of its request still held");
      await this.release(earlier, identityToken);
    }
  }

  /**
   * Step 5, compensation of a failed step 2 or 3 (and the release of step 6). R goes RELEASING before the
   * release is sent: if it is no longer PENDING, the main transaction did commit (its answer was lost) or
   * the recovery has it, and the relay delivers what the row says. A row already RELEASING is sent as it is.
   */
  private async release(reservation: { id: string; caseId: string; state: ReservationState }, identityToken: string): Promise<void> {
    const reservationId = reservation.id;
    try {
      if (reservation.state !== ReservationState.RELEASING && !(await this.store.markReleasing(reservationId))) return;
      await this.faults("releasing");
      await this.attachments.release(identityToken, reservationId, reservation.caseId);
      await this.faults("released");
      await this.store.markDelivered(reservationId, ReservationState.RELEASING);
    } catch (error) {
      if (error instanceof SimulatedCrash) throw error;
      this.logger.warn({ err: error, reservationId }, "releasing reserved files failed; the relay will retry");
      await this.store.dueNow(reservationId, error).catch(() => undefined);
    }
  }
}
