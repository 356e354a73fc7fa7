import { badInput, domainError, ErrorCode, forbidden } from "../../kit/errors.js";
import { hasScope, isEngineer, type Principal } from "../../kit/principal.js";
import { FileVerdict } from "../threat.enums.js";

/** Limits of what one call may carry and of free text, in characters (columns are sized to match). */
export const LIMITS = {
  /** Files or URLs per `submitForAnalysis` call. */
  itemsPerSubmission: 20,
  url: 2048,
  comment: 8_000,
  detectionName: 200,
  patternVersion: 64,
  category: 200,
  name: 255,
  fileName: 255,
} as const;

/** Customers and partners act on results only with the `threats:write` scope (users always have it). */
export function requireThreatsWrite(principal: Principal): void {
  if (!hasScope(principal, "threats:write")) throw forbidden("This credential lacks the threats:write scope");
}

/** Only support engineers (or the analysis pipeline acting as one) record results. */
export function requireEngineer(principal: Principal): void {
  if (!isEngineer(principal)) throw forbidden("Only support engineers record analysis results");
}

/** Whether the caller may request actions at all; `availableActions` is empty otherwise. */
export function mayRequestActions(principal: Principal): boolean {
  return hasScope(principal, "threats:write");
}

function checkText(field: string, value: string, max: number): string {
  if ([...value].length > max) throw badInput(field, `${field} must be at most ${max} characters`);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) throw badInput(field, `${field} must not contain control characters`);
  return value;
}

/** Required text: trimmed, non-empty, at most `max` characters. */
export function requiredText(field: string, value: string | null | undefined, max: number): string {
  const trimmed = (value ?? "").trim();
  if (trimmed.length === 0) throw badInput(field, `${field} must not be empty`);
  return checkText(field, trimmed, max);
}

/** Optional text: trimmed; empty means absent. */
export function optionalText(field: string, value: string | null | undefined, max: number): string | null {
  const trimmed = (value ?? "").trim();
  return trimmed.length === 0 ? null : checkText(field, trimmed, max);
}

/**
 * A submitted or rated URL in its canonical form (`new URL(...).href`: lower-case scheme and host,
 * default port dropped), so that the same address is one result. Only http and https.
 */
export function canonicalUrl(field: string, raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.length === 0) throw badInput(field, "a URL must not be empty");
  if (/[\s\u0000-\u001f\u007f]/.test(trimmed)) throw badInput(field, `"${trimmed.slice(0, 100)}" contains whitespace or control characters`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw badInput(field, `"${trimmed.slice(0, 100)}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw badInput(field, `"${trimmed.slice(0, 100)}" is not an http or https URL`);
  if (!url.hostname) throw badInput(field, `"${trimmed.slice(0, 100)}" has no host`);
  if (url.href.length > LIMITS.url) throw badInput(field, `a URL must be at most ${LIMITS.url} characters`);
  return url.href;
}

/** Canonical URLs of one submission, each once, in the order given. */
export function submittedUrls(raw: readonly string[]): string[] {
  const urls = [...new Set(raw.map((url) => canonicalUrl("urls", url)))];
  if (urls.length > LIMITS.itemsPerSubmission) throw badInput("urls", `at most ${LIMITS.itemsPerSubmission} URLs per submission`);
  return urls;
}

/** Attachment ids of one submission (`attachmentIds`, `emails` or `attkLogs`), each once. */
export function submittedAttachmentIds(raw: readonly string[], field = "attachmentIds"): string[] {
  const ids = [...new Set(raw.map((id) => id.trim()))];
  if (ids.some((id) => id.length === 0 || id.length > 36)) throw badInput(field, "an attachment id is malformed");
  if (ids.length > LIMITS.itemsPerSubmission) throw badInput(field, `at most ${LIMITS.itemsPerSubmission} files per submission`);
  return ids;
}

/** A file verdict as recorded: a detection name only with DANGEROUS (docs/domain.md, "Threat cases"). */
export function fileVerdictOf(input: { verdict: FileVerdict; detectionName?: string | null; patternVersion?: string | null }): {
  verdict: FileVerdict;
  detectionName: string | null;
  patternVersion: string | null;
} {
  const detectionName = optionalText("detectionName", input.detectionName, LIMITS.detectionName);
  if (detectionName !== null && input.verdict !== FileVerdict.DANGEROUS) {
    throw badInput("detectionName", "a detection name is recorded only with the DANGEROUS verdict");
  }
  return { verdict: input.verdict, detectionName, patternVersion: optionalText("patternVersion", input.patternVersion, LIMITS.patternVersion) };
}

/** The comment of an action request; some actions must say why (a non-empty comment). */
export function requestComment(comment: string | null | undefined, needsReason: boolean): string | null {
  const text = optionalText("comment", comment, LIMITS.comment);
  if (needsReason && text === null) throw badInput("comment", "this request needs a comment saying why");
  return text;
}

export function actionNotAvailable(action: string, reason: string) {
  return domainError(ErrorCode.ACTION_NOT_AVAILABLE, `${action} is not available ${reason}`, { action });
}
