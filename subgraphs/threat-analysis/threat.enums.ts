import { registerEnumType } from "type-graphql";

export { CaseStatus, InquiryType, ThreatCategory } from "../kit/case-kinds.js";

export enum FileVerdict {
  NO_PROBLEM = "NO_PROBLEM",
  DANGEROUS = "DANGEROUS",
  ANALYZING = "ANALYZING",
}
export enum UrlRating {
  SAFE = "SAFE",
  SUSPICIOUS = "SUSPICIOUS",
  DANGEROUS = "DANGEROUS",
  UNRATED = "UNRATED",
}
export enum EmailVerdict {
  NORMAL = "NORMAL",
  SPAM = "SPAM",
  UNANALYZABLE = "UNANALYZABLE",
  ANALYZING = "ANALYZING",
}
export enum FileAction {
  REQUEST_REANALYSIS = "REQUEST_REANALYSIS",
  REPORT_FALSE_POSITIVE = "REPORT_FALSE_POSITIVE",
  REQUEST_PATTERN_FILE = "REQUEST_PATTERN_FILE",
  REQUEST_DETECTION_NAME = "REQUEST_DETECTION_NAME",
  REQUEST_VIRUS_INFO = "REQUEST_VIRUS_INFO",
  REPORT_CLEANUP_FAILURE = "REPORT_CLEANUP_FAILURE",
}
export enum AttkAction {
  REQUEST_LOG_REANALYSIS = "REQUEST_LOG_REANALYSIS",
  COLLECT_MORE_FILES = "COLLECT_MORE_FILES",
}
export enum AnalysisRequestState {
  SUBMITTED = "SUBMITTED",
  IN_PROGRESS = "IN_PROGRESS",
  DONE = "DONE",
  REJECTED = "REJECTED",
}
/** How an engineer closes a request: the two final states of AnalysisRequestState. */
export enum AnalysisRequestAnswer {
  DONE = "DONE",
  REJECTED = "REJECTED",
}

registerEnumType(FileVerdict, { name: "FileVerdict" });
registerEnumType(UrlRating, { name: "UrlRating" });
registerEnumType(EmailVerdict, { name: "EmailVerdict" });
registerEnumType(FileAction, { name: "FileAction" });
registerEnumType(AttkAction, { name: "AttkAction" });
registerEnumType(AnalysisRequestState, { name: "AnalysisRequestState" });
registerEnumType(AnalysisRequestAnswer, { name: "AnalysisRequestAnswer", description: "The final state an engineer's answer gives a request." });
