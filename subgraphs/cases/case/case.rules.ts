import { badInput, domainError, ErrorCode } from "../../kit/errors.js";
import { hasScope, isEngineer, type Principal } from "../../kit/principal.js";
import { NotificationKind } from "../notification/notification.entity.js";
import { CaseField, CaseStatus, CaseSubStatus, InquiryType, Severity, type ThreatCategory } from "./case.enums.js";

/** Limits of free text, in characters. */
export const LIMITS = { title: 200, description: 32_000, body: 32_000, businessImpact: 32_000, contactName: 200, problemCategory: 200, comment: 32_000 };
export const MAX_CC_EMAILS = 20;

const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

/** Required text: trimmed, non-empty, at most `max` characters. */
export function requiredText(field: keyof typeof LIMITS, value: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw badInput(field, `${field} must not be empty`);
  return limitedText(field, trimmed);
}

export function limitedText(field: keyof typeof LIMITS, value: string): string {
  if ([...value].length > LIMITS[field]) throw badInput(field, `${field} must be at most ${LIMITS[field]} characters`);
  if (value.includes("\u0000")) throw badInput(field, `${field} must not contain NUL characters`);
  return value;
}

/** Rule 6: CC addresses are validated, de-duplicated case-insensitively (first spelling kept), at most 20. */
export function normalizeCcEmails(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const raw of addresses) {
    const address = raw.trim();
    if (!isEmailAddress(address)) throw badInput("ccEmails", `"${address.slice(0, 100)}" is not an e-mail address`);
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(address);
  }
  if (result.length > MAX_CC_EMAILS) throw badInput("ccEmails", `at most ${MAX_CC_EMAILS} CC addresses are allowed`);
  return result;
}

/** Rule 5: CRITICAL and HIGH need a description of the business impact. */
export function requireBusinessImpact(severity: Severity, businessImpact: string | null | undefined): void {
  if ((severity === Severity.CRITICAL || severity === Severity.HIGH) && !businessImpact?.trim()) {
    throw domainError(ErrorCode.BUSINESS_IMPACT_REQUIRED, `Severity ${severity} needs a description of the business impact`, {
      field: "businessImpact",
    });
  }
}

/** THREAT cases carry a threat category; PRODUCT cases never do. */
export function checkThreatCategory(inquiryType: InquiryType, threatCategory: ThreatCategory | null | undefined): ThreatCategory | null {
  if (inquiryType === InquiryType.THREAT && !threatCategory) throw badInput("threatCategory", "THREAT cases need a threatCategory");
  if (inquiryType === InquiryType.PRODUCT && threatCategory) throw badInput("threatCategory", "PRODUCT cases have no threatCategory");
  return threatCategory ?? null;
}

/** Rule 10: nothing changes on a closed case (except reopening through an update). */
export function requireOpen(status: CaseStatus, caseNumber: string): void {
  if (status === CaseStatus.CLOSED) throw domainError(ErrorCode.CASE_CLOSED, `Case ${caseNumber} is closed`);
}

export function requireScope(principal: Principal, scope: "cases:read" | "cases:write"): void {
  if (!hasScope(principal, scope)) throw domainError(ErrorCode.FORBIDDEN, `This credential lacks the ${scope} scope`);
}

/** Rule 13: the sub-statuses an engineer may set; the others are set by the product itself. */
export const ENGINEER_SUB_STATUSES: readonly CaseSubStatus[] = [
  CaseSubStatus.IN_PROGRESS,
  CaseSubStatus.INFORMATION_REQUESTED,
  CaseSubStatus.SOLUTION_PROVIDED,
  CaseSubStatus.ESCALATED,
  CaseSubStatus.RESOLVED,
  CaseSubStatus.CLOSE_AGREED,
  CaseSubStatus.OUT_OF_SCOPE,
];

export const ENGINEER_CLOSING_SUB_STATUSES: readonly CaseSubStatus[] = [CaseSubStatus.RESOLVED, CaseSubStatus.CLOSE_AGREED, CaseSubStatus.OUT_OF_SCOPE];

/** How a case closes when `closeCase` (or `updateCase` with status CLOSED) is called by this principal. */
export function closingSubStatus(principal: Principal): CaseSubStatus {
  return isEngineer(principal) ? CaseSubStatus.RESOLVED : CaseSubStatus.CLOSED_BY_CUSTOMER;
}

/**
 * What the caller may change now (the portal's pencil icons): nothing on a closed case or without
 * `cases:write`; otherwise severity, CC list, business impact and status (OPEN → CLOSED only).
 */
export function editableFields(principal: Principal, status: CaseStatus): CaseField[] {
  if (status === CaseStatus.CLOSED || !hasScope(principal, "cases:write")) return [];
  return [CaseField.STATUS, CaseField.SEVERITY, CaseField.CC_EMAILS, CaseField.BUSINESS_IMPACT];
}

/**
 * Rule 6 and "E-mail" in docs/domain.md: registration and closing mails go to the registrant only;
 * everything else to the registrant and the CC list, never to an address twice.
 */
export function notificationRecipients(kind: NotificationKind, registrantEmail: string | null, ccEmails: readonly string[]): string[] {
  const registrantOnly = kind === NotificationKind.CASE_REGISTERED || kind === NotificationKind.CASE_CLOSED;
  const candidates = registrantOnly ? [registrantEmail] : [registrantEmail, ...ccEmails];
  const seen = new Set<string>();
  return candidates.filter((address): address is string => {
    if (!address) return false;
    const key = address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `C-2026-000123`: year of registration and a number that is never reused. */
export function formatCaseNumber(year: number, sequence: number): string {
  return `C-${year}-${String(sequence).padStart(6, "0")}`;
}
