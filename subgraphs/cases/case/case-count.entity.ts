import { Column, Entity, PrimaryColumn } from "typeorm";
import type { CaseStatus, CaseSubStatus, InquiryType, Severity } from "./case.enums.js";

/**
 * How many cases have one combination of the facts `Query.cases` filters on (organization, status,
 * sub-status, severity, inquiry type): `totalCount` of a list filtered on these alone is a sum of a few
 * of these rows, however many cases there are. Kept in the transaction of every change to one of the
 * facts (case.counts.ts); a combination whose cases all moved away keeps its row, at 0.
 */
@Entity("case_counts")
export class CaseCount {
  @PrimaryColumn({ type: "varchar", length: 64 })
  organizationId: string;

  @PrimaryColumn({ type: "varchar", length: 16 })
  status: CaseStatus;

  @PrimaryColumn({ type: "varchar", length: 32 })
  subStatus: CaseSubStatus;

  @PrimaryColumn({ type: "varchar", length: 16 })
  severity: Severity;

  @PrimaryColumn({ type: "varchar", length: 16 })
  inquiryType: InquiryType;

  /** The number of cases with these facts. */
  @Column({ type: "int" })
  total: number;
}
