import type { SelectQueryBuilder } from "typeorm";
import type { Clock } from "../../kit/clock.js";
import { isOverdue, responseDueAt, type ResponseTargets, whereOverdue } from "../../kit/response-targets.js";
import type { CaseEntity } from "../case/case.entity.js";
import { CaseStatus, CaseSubStatus } from "../case/case.enums.js";

/** Sub-statuses in which an open case waits for the support side: new (受付済み), or updated by the customer. */
export const WAITING_FOR_SUPPORT: readonly CaseSubStatus[] = [CaseSubStatus.RECEIVED, CaseSubStatus.CUSTOMER_UPDATED];

/**
 * The response target of cases (docs/domain.md, "Response targets"): an open case in RECEIVED or
 * CUSTOMER_UPDATED is due its next response from support `RESPONSE_TARGET_<severity>_HOURS` after it
 * entered that sub-status, by its severity now (so a severity change moves the due time at once).
 * Any other sub-status, or a closed case, has no due time.
 */
export class CaseResponseTargets {
  constructor(
    private readonly targets: ResponseTargets,
    private readonly clock: Clock,
  ) {}

  /** `Case.dueAt`. */
  dueAt(c: CaseEntity): Date | null {
    if (c.status !== CaseStatus.OPEN || !WAITING_FOR_SUPPORT.includes(c.subStatus)) return null;
    return responseDueAt(c.subStatusChangedAt, c.severity, this.targets);
  }

  /** `Case.overdue`: waiting for support past its due time. */
  overdue(c: CaseEntity): boolean {
    return isOverdue(this.dueAt(c), this.clock());
  }

  /** `cases(filter: { overdue })`: the same rule in SQL, on the cases query aliased `alias`. */
  whereOverdue(qb: SelectQueryBuilder<CaseEntity>, alias: string, overdue: boolean): SelectQueryBuilder<CaseEntity> {
    const waiting = `(${alias}.status = '${CaseStatus.OPEN}' AND ${alias}.subStatus IN (${WAITING_FOR_SUPPORT.map((s) => `'${s}'`).join(", ")}))`;
    return whereOverdue(qb, { since: `${alias}.subStatusChangedAt`, severity: `${alias}.severity`, waiting }, overdue, this.clock(), this.targets);
  }
}
