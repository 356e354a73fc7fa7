import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { inTransaction } from "../../kit/transaction.js";
import { CaseEntity } from "../case/case.entity.js";
import type { InquiryType } from "../case/case.enums.js";
import { Organization } from "../organization/organization.entity.js";
import { NotificationEntity, NotificationState } from "./notification.entity.js";

/** A batch of outbox rows this dispatcher run owns until `leaseExpiresAt`. */
export interface Claim {
  token: string;
  leaseExpiresAt: Date;
  rows: NotificationEntity[];
  /** Due rows seen before claiming; more than `rows.length` when other dispatchers won some. */
  candidates: number;
}

/**
 * Claims up to `limit` due PENDING rows. The candidates are read without locks; the claim itself is
 * one conditional UPDATE that re-checks, per row, that it is still PENDING, due and unclaimed (or its
 * lease expired). Two dispatchers that read the same candidates race on that UPDATE, which MySQL
 * evaluates against the latest committed row under its row lock, so each row is won by one of them;
 * the winner reads back exactly its rows by its fresh random token. Counting the attempt at claim
 * time means a message that crashes its dispatcher still runs out of attempts.
 */
export async function claimDueNotifications(dataSource: DataSource, now: Date, leaseMs: number, limit: number): Promise<Claim> {
  const token = randomUUID();
  const leaseExpiresAt = new Date(now.getTime() + leaseMs);
  const candidates: { id: string }[] = await dataSource
    .getRepository(NotificationEntity)
    .createQueryBuilder("n")
    .select("n.id", "id")
    .where("n.state = :pending AND n.nextAttemptAt <= :now", { pending: NotificationState.PENDING, now })
    .andWhere("(n.leaseExpiresAt IS NULL OR n.leaseExpiresAt <= :now)", { now })
    .orderBy("n.nextAttemptAt", "ASC")
    .addOrderBy("n.id", "ASC")
    .limit(limit)
    .getRawMany();
  if (candidates.length === 0) return { token, leaseExpiresAt, rows: [], candidates: 0 };
  const rows = await inTransaction(dataSource, async (tx) => {
    await tx
      .createQueryBuilder()
      .update(NotificationEntity)
      .set({ claimToken: token, leaseExpiresAt, attempts: () => "attempts + 1" })
      .where("id IN (:...ids)", { ids: candidates.map((c) => c.id) })
      .andWhere("state = :pending AND next_attempt_at <= :now", { pending: NotificationState.PENDING, now })
      .andWhere("(lease_expires_at IS NULL OR lease_expires_at <= :now)", { now })
      .execute();
    return tx.getRepository(NotificationEntity).find({ where: { claimToken: token }, order: { nextAttemptAt: "ASC", id: "ASC" } });
  });
  return { token, leaseExpiresAt, rows, candidates: candidates.length };
}

/** How one claimed row ends; `PENDING` with a later `nextAttemptAt` is a retry. */
export type NotificationOutcome =
  | { state: NotificationState.SENT; sentAt: Date; lastError: string | null }
  | { state: NotificationState.PENDING; nextAttemptAt: Date; lastError: string }
  | { state: NotificationState.FAILED | NotificationState.SKIPPED; lastError: string };

/**
 * Records the outcome of a row, only while `token` still holds it: a dispatcher whose lease ran out
 * and was taken over cannot overwrite the new owner's result. Returns false when the claim was lost.
 */
export async function recordOutcome(dataSource: DataSource, id: string, token: string, outcome: NotificationOutcome): Promise<boolean> {
  const released = { claimToken: outcome.state === NotificationState.PENDING ? null : token, leaseExpiresAt: null };
  const result = await inTransaction(dataSource, (tx) =>
    tx
      .createQueryBuilder()
      .update(NotificationEntity)
      .set({ ...outcome, ...released })
      .where("id = :id AND claim_token = :token AND state = :pending", { id, token, pending: NotificationState.PENDING })
      .execute(),
  );
  return result.affected === 1;
}

/** Gives claimed rows back untouched (the lease is about to run out): the attempt did not happen. */
export async function releaseClaim(dataSource: DataSource, token: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await inTransaction(dataSource, (tx) =>
    tx
      .createQueryBuilder()
      .update(NotificationEntity)
      .set({ claimToken: null, leaseExpiresAt: null, attempts: () => "attempts - 1" })
      .where("id IN (:...ids) AND claim_token = :token AND state = :pending", { ids, token, pending: NotificationState.PENDING })
      .execute(),
  );
}

/** What a message needs to know about its case, beyond the outbox row. */
export interface CaseMailFacts {
  caseNumber: string;
  title: string;
  severity: string;
  inquiryType: InquiryType;
  registrantEmail: string | null;
  /** The organization's `locale` column (null if the organization row is missing). */
  locale: string | null;
}

/** Case facts and organization locale of every case in a claimed batch, in one query. */
export async function loadCaseMailFacts(dataSource: DataSource, caseIds: readonly string[]): Promise<Map<string, CaseMailFacts>> {
  const ids = [...new Set(caseIds)];
  if (ids.length === 0) return new Map();
  const rows: (CaseMailFacts & { id: string })[] = await dataSource
    .getRepository(CaseEntity)
    .createQueryBuilder("c")
    .leftJoin(Organization, "o", "o.id = c.organizationId")
    .select("c.id", "id")
    .addSelect("c.caseNumber", "caseNumber")
    .addSelect("c.title", "title")
    .addSelect("c.severity", "severity")
    .addSelect("c.inquiryType", "inquiryType")
    .addSelect("c.registrant.email", "registrantEmail")
    .addSelect("o.locale", "locale")
    .where("c.id IN (:...ids)", { ids })
    .getRawMany();
  return new Map(rows.map(({ id, ...facts }) => [id, facts]));
}
