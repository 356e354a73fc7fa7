import { registerEnumType } from "type-graphql";

/*
 * The case enums more than one subgraph speaks: the cases subgraph owns them, threat-analysis
 * reads them (`@requires(fields: "inquiryType status")`, and every result's category). One definition, so
 * that composition always sees the same values.
 */

export enum CaseStatus {
  OPEN = "OPEN",
  CLOSED = "CLOSED",
}

export enum InquiryType {
  PRODUCT = "PRODUCT",
  THREAT = "THREAT",
}

export enum ThreatCategory {
  INFECTION_ANALYSIS = "INFECTION_ANALYSIS",
  FALSE_POSITIVE_ANALYSIS = "FALSE_POSITIVE_ANALYSIS",
  URL_ANALYSIS = "URL_ANALYSIS",
  EMAIL_ANALYSIS = "EMAIL_ANALYSIS",
  OTHER = "OTHER",
}

registerEnumType(CaseStatus, { name: "CaseStatus" });
registerEnumType(InquiryType, { name: "InquiryType" });
registerEnumType(ThreatCategory, { name: "ThreatCategory" });
