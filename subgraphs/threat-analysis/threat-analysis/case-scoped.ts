import { Column, Index } from "typeorm";
import type { ThreatCategory } from "../threat.enums.js";

/**
 * Columns every result row carries: its case, and the case's organization and threat category
 * recorded when the row was created (neither changes over a case's life), so that reads enforce
 * visibility and compute actions without asking the cases subgraph.
 */
@Index(["caseId"])
export abstract class CaseScoped {
  @Column({ type: "varchar", length: 36 })
  caseId: string;

  @Column({ type: "varchar", length: 64 })
  organizationId: string;

  @Column({ type: "varchar", length: 32 })
  threatCategory: ThreatCategory;
}
