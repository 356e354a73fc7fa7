import { badInput, domainError, ErrorCode } from "../../kit/errors.js";
import { hasScope, isEngineer, type Principal } from "../../kit/principal.js";
import { NotificationKind } from "../notification/notification.entity.js";
import { findProblemCategory, problemCategoriesOf } from "../problem-category/problem-category.catalog.js";
import { CaseField, CaseStatus, CaseSubStatus, InquiryType, Severity, type ThreatCategory } from "./case.enums.js";

/** Limits of free text, in characters. */
export const LIMITS = { title: 200, description: 32_000, body: 32_000, businessImpact: 32_000, contactName: 200, comment: 32_000 };
export const MAX_CC_EMAILS = 20;
/** What a MySQL TEXT column holds: 32,000 Japanese characters (3 bytes each in UTF-8) would not fit, so long texts are also bounded in bytes. */
export const TEXT_COLUMN_BYTES = 65_535;

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
  if (Buffer.byteLength(value, "utf8") > TEXT_COLUMN_BYTES) throw badInput(field, `${field} must be at most ${TEXT_COLUMN_BYTES} bytes of UTF-8 text`);
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

/**
 * The problem category (問題区分) of a new case, one id of the list for its inquiry type
 * (problem-category.catalog.ts). On THREAT cases the category and the threat category are one fact:
 * the client gives either (or both, equal) and the other follows. PRODUCT cases need a category and
 * have no threat category.
 */
export function categoriesOfNewCase(
  inquiryType: InquiryType,
  problemCategory: string | null | undefined,
  threatCategory: ThreatCategory | null | undefined,
): { problemCategory: string; threatCategory: ThreatCategory | null } {
  const requested = problemCategory?.trim() || null;
  const known = () =>
    problemCategoriesOf(inquiryType)
      .map((c) => c.id)
      .join(", ");
  const category = requested === null ? undefined : findProblemCategory(requested);
  if (requested !== null && category?.inquiryType !== inquiryType) {
    throw badInput("problemCategory", `"${requested.slice(0, 100)}" is not a problem category of ${inquiryType} cases: use one of ${known()}`);
  }
  if (inquiryType === InquiryType.PRODUCT) {
    if (threatCategory) throw badInput("threatCategory", "PRODUCT cases have no threatCategory");
    if (!category) throw badInput("problemCategory", `PRODUCT cases need a problemCategory: one of ${known()}`);
    return { problemCategory: category.id, threatCategory: null };
  }
  if (category && threatCategory && category.threatCategory !== threatCategory) {
    throw badInput("problemCategory", `On THREAT cases problemCategory and threatCategory are one fact: ${category.id} and ${threatCategory} disagree (give one of them)`);
  }
  const threat = threatCategory ?? category?.threatCategory;
  if (!threat) throw badInput("threatCategory", `THREAT cases need a threatCategory (or the same value as problemCategory): one of ${known()}`);
  return { problemCategory: threat, threatCategory: threat };
}

/**
 * Whom a new case names as its registrant (登録いただいた本人), the person its registration, update and
 * closing mails go to. A customer is the registrant of what they register and names nobody else.
 * Engineers and partner API keys are no user of the organization: they name one (`registrant.email`),
 * looked up in its directory. Partner staff may name one, or are the registrant themselves. Returns
 * the lower-cased e-mail address to look up, or null when the caller is the registrant.
 */
export function registrantToLookUp(principal: Principal, requestedEmail: string | null | undefined): string | null {
  const email = requestedEmail?.trim().toLowerCase() || null;
  if (email !== null && !isEmailAddress(email)) throw badInput("registrant", `"${email.slice(0, 100)}" is not an e-mail address`);
  if (principal.role === "customer") {
    if (email !== null && email !== principal.email?.toLowerCase()) {
      throw badInput("registrant", "A customer is the registrant of the cases they register; engineers and partners name a registrant when registering on someone's behalf");
    }
    return null;
  }
  if (email !== null) return email;
  if (principal.kind === "user" && principal.role === "partner" && principal.email) return null;
  throw badInput("registrant", "A case registered on behalf of a customer organization names its registrant: registrant: { email } of one of its users (organizationUsers)");
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
