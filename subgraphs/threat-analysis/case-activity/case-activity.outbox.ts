/*
 * The threat-analysis subgraph's case-activity outbox: what happened here that the case must show.
 *
 * API used by the request lifecycle (and by the analysis and request services):
 *
 *   recordCaseActivity(tx: EntityManager, activity: NewCaseActivity): Promise<string>
 *     NewCaseActivity = Omit<CaseActivity, "id" | "at"> & { at: Date }   (CaseActivity: subgraphs/kit/case-activity-protocol.ts)
 *     - call it inside the same `inTransaction` as the threat change it reports, with that transaction's manager;
 *     - `actor`: `activityActor(request.principal)`; `at`: the service's clock at the change;
 *     - `details`: by kind, as the protocol file lists (strings or null; long values are shortened);
 *     - returns the activity's id. Nothing else to do: the gateway's relay delivers it to the cases subgraph.
 *
 *   Example (an engineer answering a request):
 *     await recordCaseActivity(tx, { caseId: row.caseId, organizationId: row.organizationId, kind: CaseActivityKind.REQUEST_ANSWERED,
 *       actor: activityActor(request.principal), at: now,
 *       details: { requestId: row.id, action: row.action, subjectName, state: "DONE", response, outcome: null } });
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { type CaseActivity, type CaseActivityActor, type CaseActivityDelivery, CaseActivityKind } from "../../kit/case-activity-protocol.js";
import type { Clock } from "../../kit/clock.js";
import { actorRole, type Principal } from "../../kit/principal.js";
import { inTransaction } from "../../kit/transaction.js";
import { activityWords } from "../vocabulary/threat-words.js";
import { CaseActivityOutboxEntity } from "./case-activity-outbox.entity.js";

/** An activity as a service hands it to the outbox: the outbox picks the id; `at` is the change's time. */
export type NewCaseActivity = Omit<CaseActivity, "id" | "at"> & { at: Date };

/** Longest detail value kept (a comment or a response longer than this is shortened with "…"); keeps a row well inside MySQL's TEXT. */
export const MAX_DETAIL_LENGTH = 4_000;

// API used by the request lifecycle
/**
 * Writes one case activity into the outbox, inside the caller's transaction `tx` (the same one as the
 * threat change it reports, so that neither exists without the other). Returns the activity's id.
 */
export async function recordCaseActivity(tx: EntityManager, activity: NewCaseActivity): Promise<string> {
  if (!Object.values(CaseActivityKind).includes(activity.kind)) throw new Error(`unknown case activity kind ${String(activity.kind)}`);
  const id = newActivityId(activity.at);
  const given = Object.fromEntries(Object.entries(activity.details).map(([key, value]) => [key, value === null || value === undefined ? null : shorten(String(value))]));
  const details = { ...given, ...activityWords(activity.kind, given) };
  const row = Object.assign(new CaseActivityOutboxEntity(), {
    id,
    caseId: activity.caseId,
    organizationId: activity.organizationId,
    kind: activity.kind,
    actor: { id: activity.actor.id, name: activity.actor.name, role: activity.actor.role, email: activity.actor.email ?? null },
    details,
    occurredAt: activity.at,
    attempts: 0,
    nextAttemptAt: activity.at,
    claimToken: null,
    leaseExpiresAt: null,
    lastError: null,
  });
  await tx.insert(CaseActivityOutboxEntity, row);
  return id;
}

/** The actor of an activity, as the case's history shows it: the caller. */
export function activityActor(principal: Principal): CaseActivityActor {
  return { id: principal.id, name: principal.name, role: actorRole(principal), email: principal.email ?? null };
}

/** First retry of an activity the relay could not deliver; doubles with every further try, up to RETRY_MAX_MS. */
const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 60_000;

export interface CaseActivityClaim {
  claimToken: string;
  leaseExpiresAt: Date;
  activities: CaseActivityOutboxEntity[];
}

/**
 * The relay's side of the outbox: claims with a lease (several gateway replicas may run passes at
 * once; a row belongs to one claim until its lease runs out) and acknowledgements. A delivered row
 * is deleted: the cases subgraph holds the record. A failed one waits RETRY_BASE_MS, doubling per
 * try up to RETRY_MAX_MS, and is never dropped.
 */
export class CaseActivityOutbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    /** How long a relay pass owns what it claimed. */
    readonly leaseMs = 60_000,
  ) {}

  /**
   * Claims up to `limit` due rows, oldest first: candidates read without locks, then one conditional
   * UPDATE that re-checks each row, then the rows read back by the fresh token (as the mail outbox
   * does). Counting the attempt at claim time means a row that crashes its relay still backs off.
   */
  async claim(limit: number): Promise<CaseActivityClaim> {
    const now = this.clock();
    const claimToken = randomUUID();
    const leaseExpiresAt = new Date(now.getTime() + this.leaseMs);
    const candidates: { id: string }[] = await this.dataSource
      .getRepository(CaseActivityOutboxEntity)
      .createQueryBuilder("a")
      .select("a.id", "id")
      .where("a.nextAttemptAt <= :now AND (a.leaseExpiresAt IS NULL OR a.leaseExpiresAt <= :now)", { now })
      .orderBy("a.occurredAt", "ASC")
      .addOrderBy("a.id", "ASC")
      .limit(limit)
      .getRawMany();
    if (candidates.length === 0) return { claimToken, leaseExpiresAt, activities: [] };
    const activities = await inTransaction(this.dataSource, async (tx) => {
      await tx
        .createQueryBuilder()
        .update(CaseActivityOutboxEntity)
        .set({ claimToken, leaseExpiresAt, attempts: () => "attempts + 1" })
        .where("id IN (:...ids)", { ids: candidates.map((c) => c.id) })
        .andWhere("next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now)", { now })
        .execute();
      return tx.getRepository(CaseActivityOutboxEntity).find({ where: { claimToken }, order: { occurredAt: "ASC", id: "ASC" } });
    });
    return { claimToken, leaseExpiresAt, activities };
  }

  /**
   * Records what the relay reports for its claim: a delivered activity leaves the outbox, a failed one
   * is retried later. Reports for rows the claim no longer holds (its lease ran out and another pass
   * took them) are ignored. Returns how many reports were recorded.
   */
  async acknowledge(claimToken: string, deliveries: readonly CaseActivityDelivery[]): Promise<number> {
    if (deliveries.length === 0) return 0;
    const now = this.clock();
    return inTransaction(this.dataSource, async (tx) => {
      const held = await tx.getRepository(CaseActivityOutboxEntity).find({ where: { claimToken } });
      let recorded = 0;
      for (const delivery of deliveries) {
        const row = held.find((r) => r.id === delivery.id);
        if (!row) continue;
        const result = delivery.delivered
          ? await tx.delete(CaseActivityOutboxEntity, { id: row.id, claimToken })
          : await tx.update(
              CaseActivityOutboxEntity,
              { id: row.id, claimToken },
              { nextAttemptAt: new Date(now.getTime() + retryDelayMs(row.attempts)), claimToken: null, leaseExpiresAt: null, lastError: (delivery.error ?? "not delivered").slice(0, 1000) },
            );
        recorded += result.affected ?? 0;
      }
      return recorded;
    });
  }

  /** Rows still waiting (tests and operators). */
  pending(): Promise<CaseActivityOutboxEntity[]> {
    return this.dataSource.getRepository(CaseActivityOutboxEntity).find({ order: { occurredAt: "ASC", id: "ASC" } });
  }
}

/** Delay before the next try after `attempts` failed ones. */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

function shorten(value: string): string {
  return value.length <= MAX_DETAIL_LENGTH ? value : `${value.slice(0, MAX_DETAIL_LENGTH - 1)}…`;
}

let lastMillis = 0;
let counter = 0;
/**
 * A UUID (version 7 layout) that sorts by the activity's time and, within one millisecond of one
 * process, by creation order: activities of the same moment reach the case in the order they happened.
 */
export function newActivityId(at: Date): string {
  const millis = at.getTime();
  if (millis === lastMillis) counter++;
  else {
    lastMillis = millis;
    counter = 0;
  }
  const time = millis.toString(16).padStart(12, "0").slice(-12);
  const sequence = (0x7000 | (counter & 0x0fff)).toString(16);
  const random = randomBytes(8);
  random[0] = (random[0]! & 0x3f) | 0x80;
  const tail = random.toString("hex");
  return `${time.slice(0, 8)}-${time.slice(8)}-${sequence}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}
