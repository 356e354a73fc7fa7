import { registerEnumType } from "type-graphql";

export { CaseStatus, InquiryType, ThreatCategory } from "../../kit/case-kinds.js";

export enum CaseSubStatus {
  RECEIVED = "RECEIVED",
  IN_PROGRESS = "IN_PROGRESS",
  INFORMATION_REQUESTED = "INFORMATION_REQUESTED",
  SOLUTION_PROVIDED = "SOLUTION_PROVIDED",
  ESCALATED = "ESCALATED",
  CUSTOMER_UPDATED = "CUSTOMER_UPDATED",
  RESOLVED = "RESOLVED",
  NO_CUSTOMER_RESPONSE = "NO_CUSTOMER_RESPONSE",
  CLOSE_AGREED = "CLOSE_AGREED",
  CLOSED_BY_CUSTOMER = "CLOSED_BY_CUSTOMER",
  OUT_OF_SCOPE = "OUT_OF_SCOPE",
}

export enum Severity {
  CRITICAL = "CRITICAL",
  HIGH = "HIGH",
  MEDIUM = "MEDIUM",
  LOW = "LOW",
}

/** The portal's pencil icons. */
export enum CaseField {
  STATUS = "STATUS",
  SEVERITY = "SEVERITY",
  CC_EMAILS = "CC_EMAILS",
  BUSINESS_IMPACT = "BUSINESS_IMPACT",
}

export enum CaseOrderField {
  UPDATED_AT = "UPDATED_AT",
  CREATED_AT = "CREATED_AT",
  SEVERITY = "SEVERITY",
  /** Best match of filter.search first (DESC); needs filter.search. */
  RELEVANCE = "RELEVANCE",
}

export enum OrderDirection {
  ASC = "ASC",
  DESC = "DESC",
}

/** Sub-statuses that belong to each status (docs/domain.md, "Status and sub-status"). */
export const OPEN_SUB_STATUSES: readonly CaseSubStatus[] = [
  CaseSubStatus.RECEIVED,
  CaseSubStatus.IN_PROGRESS,
  CaseSubStatus.INFORMATION_REQUESTED,
  CaseSubStatus.SOLUTION_PROVIDED,
  CaseSubStatus.ESCALATED,
  CaseSubStatus.CUSTOMER_UPDATED,
];

/** Severity as a sortable number: CRITICAL first. */
export const SEVERITY_RANK: Record<Severity, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 };

registerEnumType(CaseSubStatus, { name: "CaseSubStatus" });
registerEnumType(Severity, { name: "Severity" });
registerEnumType(CaseField, { name: "CaseField" });
registerEnumType(CaseOrderField, {
  name: "CaseOrderField",
  valuesConfig: { RELEVANCE: { description: "How well a case matches filter.search (DESC: best first; ties by id). Only with filter.search." } },
});
registerEnumType(OrderDirection, { name: "OrderDirection" });
