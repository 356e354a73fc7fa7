import type { DataSource, EntityManager } from "typeorm";
import { inTransaction, isMysql } from "../../kit/transaction.js";
import type { CaseEntity } from "./case.entity.js";

/** The facts of a case that `case_counts` counts it by (case-count.entity.ts). */
export type CountedFacts = Pick<CaseEntity, "organizationId" | "status" | "subStatus" | "severity" | "inquiryType">;

const FACTS = ["organizationId", "status", "subStatus", "severity", "inquiryType"] as const;
const COLUMNS = "organization_id, status, sub_status, severity, inquiry_type";
/** Rows per statement: six parameters each, well under SQLite's and MySQL's limits. */
const ROWS_PER_STATEMENT = 500;

/** A copy of a case's counted facts, taken before a command changes the case. */
export function countedFacts(c: CountedFacts): CountedFacts {
  return { organizationId: c.organizationId, status: c.status, subStatus: c.subStatus, severity: c.severity, inquiryType: c.inquiryType };
}

/**
 * Moves cases in `case_counts`, in the transaction of `manager` (the one that inserts or changes the cases):
 * `from` null is a new case, `to` null a case that goes away, and the same facts on both sides change nothing.
 * Every write to a case's organization, status, sub-status, severity or inquiry type goes through here, or
 * `totalCount` of a list filtered on them would be wrong. Rows are written in key order, so that two
 * transactions moving cases between the same rows lock them in the same order (no deadlock between them).
 */
export async function countCaseChanges(manager: EntityManager, changes: readonly { from: CountedFacts | null; to: CountedFacts | null }[]): Promise<void> {
  const deltas = new Map<string, { facts: CountedFacts; delta: number }>();
  const add = (facts: CountedFacts, delta: number) => {
    const key = JSON.stringify(FACTS.map((f) => facts[f]));
    const entry = deltas.get(key) ?? { facts, delta: 0 };
    entry.delta += delta;
    deltas.set(key, entry);
  };
  for (const { from, to } of changes) {
    if (from) add(from, -1);
    if (to) add(to, 1);
  }
  const rows = [...deltas.entries()]
    .filter(([, entry]) => entry.delta !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entry]) => entry);
  const upsert = isMysql(manager.connection) ? "ON DUPLICATE KEY UPDATE total = total + VALUES(total)" : `ON CONFLICT (${COLUMNS}) DO UPDATE SET total = total + excluded.total`;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    await manager.query(
      `INSERT INTO case_counts (${COLUMNS}, total) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")} ${upsert}`,
      chunk.flatMap(({ facts, delta }) => [...FACTS.map((f) => facts[f]), delta]),
    );
  }
}

/** New cases, counted in the transaction that inserts them (`manager`). */
export function countNewCases(manager: EntityManager, cases: readonly CountedFacts[]): Promise<void> {
  return countCaseChanges(
    manager,
    cases.map((c) => ({ from: null, to: c })),
  );
}

/**
 * Counts every case again from the `cases` table, in one transaction. The SQLite database of `npm start`
 * does it at every start (cheap at its size; an older build without the counts may have written to the same
 * file); on MySQL the migration that made the table filled it.
 */
export async function recountCases(dataSource: DataSource): Promise<void> {
  await inTransaction(dataSource, async (tx) => {
    await tx.query("DELETE FROM case_counts");
    await tx.query(`INSERT INTO case_counts (${COLUMNS}, total) SELECT ${COLUMNS}, COUNT(*) FROM cases GROUP BY ${COLUMNS}`);
  });
}
