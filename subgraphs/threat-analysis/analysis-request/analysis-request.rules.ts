import { badInput, domainError, ErrorCode, forbidden } from "../../kit/errors.js";
import { isEngineer, type Principal } from "../../kit/principal.js";
import { canonicalUrl, LIMITS, optionalText, requiredText } from "../threat-analysis/threat-analysis.rules.js";
import { AnalysisRequestAnswer, AnalysisRequestState, AttkAction, FileAction, FileVerdict } from "../threat.enums.js";
import type { AnalysisRequestOutcomeInput } from "./analysis-request.input.js";

/*
 * The life of a customer's request on a result (docs/domain.md, "Requests on results"):
 *
 *   SUBMITTED --start--> IN_PROGRESS --answer--> DONE | REJECTED
 *   SUBMITTED --answer--------------------------> DONE | REJECTED   (answered at once, never started)
 *
 * DONE and REJECTED are final. Only engineers move requests; an answer always carries a response for
 * the customer, and DONE also the outcome the action calls for, which is recorded on the result.
 */

/** Files a "collect more files" answer may list. */
export const MAX_FILES_TO_COLLECT = 50;
/** Longest one-line outcome summary kept on the request (the column holds 500). */
export const MAX_OUTCOME_SUMMARY = 300;

/** States in which a request is still open: the same action on the same result is then CONFLICT. */
export const OPEN_STATES: readonly AnalysisRequestState[] = [AnalysisRequestState.SUBMITTED, AnalysisRequestState.IN_PROGRESS];

/** Only support engineers move requests; customers and partners (tokens and keys) get FORBIDDEN. */
export function requireEngineerForRequests(principal: Principal): void {
  if (!isEngineer(principal)) throw forbidden("Only support engineers start and answer requests");
}

/** The caller's `expectedState`, when given, must be the request's state now (else someone moved it meanwhile). */
export function checkExpectedState(requestId: string, current: AnalysisRequestState, expected: AnalysisRequestState | null | undefined): void {
  if (expected && expected !== current) {
    throw domainError(ErrorCode.CONFLICT, `Request ${requestId} is ${current} now, not ${expected}: reload it`, { requestId, state: current });
  }
}

function illegalTransition(requestId: string, current: AnalysisRequestState, message: string) {
  return domainError(ErrorCode.BAD_USER_INPUT, `Request ${requestId} is ${current}: ${message}`, { field: "requestId", state: current });
}

/** SUBMITTED → IN_PROGRESS; anything else is BAD_USER_INPUT. */
export function checkStart(requestId: string, current: AnalysisRequestState, expected?: AnalysisRequestState | null): void {
  checkExpectedState(requestId, current, expected);
  if (current !== AnalysisRequestState.SUBMITTED) throw illegalTransition(requestId, current, "only a SUBMITTED request can be started");
}

/** SUBMITTED or IN_PROGRESS → DONE or REJECTED; an answered request stays as it is (BAD_USER_INPUT). */
export function checkAnswer(requestId: string, current: AnalysisRequestState, expected?: AnalysisRequestState | null): void {
  checkExpectedState(requestId, current, expected);
  if (!OPEN_STATES.includes(current)) throw illegalTransition(requestId, current, "an answered request cannot be answered again");
}

/** A second request for the same action on the same result while the first is open. */
export function duplicateRequest(action: string, open: { id: string; state: AnalysisRequestState }) {
  return domainError(ErrorCode.CONFLICT, `A ${action} request on this result is still ${open.state} (${open.id}): wait for its answer`, { requestId: open.id, state: open.state });
}

/** What a DONE answer records, by action; validated and normalized. */
export type Outcome =
  | { action: FileAction.REQUEST_REANALYSIS | FileAction.REPORT_FALSE_POSITIVE; verdict: FileVerdict; detectionName: string | null; patternVersion: string | null }
  | { action: FileAction.REQUEST_PATTERN_FILE; officialPatternVersion: string }
  | { action: FileAction.REQUEST_DETECTION_NAME; detectionName: string }
  | { action: FileAction.REQUEST_VIRUS_INFO; virusInfoUrl: string }
  | { action: FileAction.REPORT_CLEANUP_FAILURE; instructions: string }
  | { action: AttkAction.COLLECT_MORE_FILES; filesToCollect: string[] }
  | { action: AttkAction.REQUEST_LOG_REANALYSIS; collected: boolean; findings: string };

type OutcomeField = keyof AnalysisRequestOutcomeInput;
const OUTCOME_FIELDS: readonly OutcomeField[] = ["verdict", "detectionName", "patternVersion", "virusInfoUrl", "instructions", "filesToCollect", "collected", "findings"];

/** The outcome fields each action takes; any other field given is refused, so that nothing is silently dropped. */
const FIELDS_OF: Record<FileAction | AttkAction, readonly OutcomeField[]> = {
  [FileAction.REQUEST_REANALYSIS]: ["verdict", "detectionName", "patternVersion"],
  [FileAction.REPORT_FALSE_POSITIVE]: ["verdict", "detectionName", "patternVersion"],
  [FileAction.REQUEST_PATTERN_FILE]: ["patternVersion"],
  [FileAction.REQUEST_DETECTION_NAME]: ["detectionName"],
  [FileAction.REQUEST_VIRUS_INFO]: ["virusInfoUrl"],
  [FileAction.REPORT_CLEANUP_FAILURE]: ["instructions"],
  [AttkAction.COLLECT_MORE_FILES]: ["filesToCollect"],
  [AttkAction.REQUEST_LOG_REANALYSIS]: ["collected", "findings"],
};

const given = (value: unknown) => value !== null && value !== undefined;

/** A re-analysis or a false-positive correction ends with a verdict; "still analysing" is not an answer. */
function answeredVerdict(input: AnalysisRequestOutcomeInput): { verdict: FileVerdict; detectionName: string | null } {
  const verdict = input.verdict;
  if (!verdict) throw badInput("outcome.verdict", "the outcome needs the verdict: NO_PROBLEM or DANGEROUS");
  if (verdict === FileVerdict.ANALYZING) throw badInput("outcome.verdict", "an answered request gives a verdict: NO_PROBLEM or DANGEROUS, not ANALYZING");
  const detectionName = optionalText("outcome.detectionName", input.detectionName, LIMITS.detectionName);
  if (detectionName !== null && verdict !== FileVerdict.DANGEROUS) throw badInput("outcome.detectionName", "a detection name is recorded only with the DANGEROUS verdict");
  return { verdict, detectionName };
}

/** File paths to collect: trimmed, each once (ignoring case), at least one, at most MAX_FILES_TO_COLLECT. */
export function filesToCollectOf(raw: readonly string[] | null | undefined): string[] {
  const field = "outcome.filesToCollect";
  const seen = new Set<string>();
  const files: string[] = [];
  for (const entry of raw ?? []) {
    const path = requiredText(field, entry, LIMITS.fileName);
    if (seen.has(path.toLowerCase())) continue;
    seen.add(path.toLowerCase());
    files.push(path);
  }
  if (files.length === 0) throw badInput(field, "name at least one file to collect");
  if (files.length > MAX_FILES_TO_COLLECT) throw badInput(field, `at most ${MAX_FILES_TO_COLLECT} files to collect`);
  return files;
}

/**
 * The outcome of an answer to a request for `action`: none with REJECTED (an outcome given is
 * BAD_USER_INPUT), and with DONE exactly the fields the action takes, the required ones present.
 */
export function answerOutcome(action: string, state: AnalysisRequestAnswer, input: AnalysisRequestOutcomeInput | null | undefined): Outcome | null {
  const present = OUTCOME_FIELDS.filter((field) => given(input?.[field]));
  if (state === AnalysisRequestAnswer.REJECTED) {
    if (present.length > 0) throw badInput(`outcome.${present[0]}`, "a rejected request records no outcome: say why in the response");
    return null;
  }
  const fields = FIELDS_OF[action as FileAction | AttkAction];
  if (!fields) throw badInput("requestId", `unknown action ${action}`);
  if (!input || present.length === 0) throw badInput("outcome", `a DONE ${action} request needs its outcome: ${fields.join(", ")}`);
  const foreign = present.find((field) => !fields.includes(field));
  if (foreign) throw badInput(`outcome.${foreign}`, `a ${action} answer takes ${fields.join(", ")}, not ${foreign}`);

  switch (action as FileAction | AttkAction) {
    case FileAction.REQUEST_REANALYSIS:
      return {
        action: FileAction.REQUEST_REANALYSIS,
        ...answeredVerdict(input),
        patternVersion: requiredText("outcome.patternVersion", input.patternVersion, LIMITS.patternVersion),
      };
    case FileAction.REPORT_FALSE_POSITIVE:
      return {
        action: FileAction.REPORT_FALSE_POSITIVE,
        ...answeredVerdict(input),
        patternVersion: optionalText("outcome.patternVersion", input.patternVersion, LIMITS.patternVersion),
      };
    case FileAction.REQUEST_PATTERN_FILE:
      return { action: FileAction.REQUEST_PATTERN_FILE, officialPatternVersion: requiredText("outcome.patternVersion", input.patternVersion, LIMITS.patternVersion) };
    case FileAction.REQUEST_DETECTION_NAME:
      return { action: FileAction.REQUEST_DETECTION_NAME, detectionName: requiredText("outcome.detectionName", input.detectionName, LIMITS.detectionName) };
    case FileAction.REQUEST_VIRUS_INFO: {
      const url = input.virusInfoUrl;
      if (url === null || url === undefined) throw badInput("outcome.virusInfoUrl", "the outcome needs the link to the virus information article");
      return { action: FileAction.REQUEST_VIRUS_INFO, virusInfoUrl: canonicalUrl("outcome.virusInfoUrl", url) };
    }
    case FileAction.REPORT_CLEANUP_FAILURE:
      return { action: FileAction.REPORT_CLEANUP_FAILURE, instructions: requiredText("outcome.instructions", input.instructions, LIMITS.comment) };
    case AttkAction.COLLECT_MORE_FILES:
      return { action: AttkAction.COLLECT_MORE_FILES, filesToCollect: filesToCollectOf(input.filesToCollect) };
    case AttkAction.REQUEST_LOG_REANALYSIS: {
      const collected = input.collected;
      if (collected === null || collected === undefined) throw badInput("outcome.collected", "the outcome needs whether the re-analysed log shows the file as collected");
      return { action: AttkAction.REQUEST_LOG_REANALYSIS, collected, findings: requiredText("outcome.findings", input.findings, LIMITS.comment) };
    }
  }
}

/** One line of at most `max` characters: line breaks and runs of spaces become one space. */
export function oneLine(text: string, max = MAX_OUTCOME_SUMMARY): string {
  const line = text.replace(/\s+/g, " ").trim();
  return [...line].length <= max ? line : `${[...line].slice(0, max - 1).join("")}…`;
}

/** The one-line summary of an outcome: the request's `outcome`, and the case history's. */
export function outcomeSummary(outcome: Outcome): string {
  switch (outcome.action) {
    case FileAction.REQUEST_REANALYSIS:
    case FileAction.REPORT_FALSE_POSITIVE: {
      const name = outcome.detectionName ? ` (${outcome.detectionName})` : "";
      const pattern = outcome.patternVersion ? `, pattern ${outcome.patternVersion}` : "";
      return oneLine(`Verdict ${outcome.verdict}${name}${pattern}`);
    }
    case FileAction.REQUEST_PATTERN_FILE:
      return oneLine(`Handled by pattern ${outcome.officialPatternVersion}`);
    case FileAction.REQUEST_DETECTION_NAME:
      return oneLine(`Detection name ${outcome.detectionName}`);
    case FileAction.REQUEST_VIRUS_INFO:
      return oneLine(`Virus information: ${outcome.virusInfoUrl}`);
    case FileAction.REPORT_CLEANUP_FAILURE:
      return oneLine(`Cleanup instructions: ${outcome.instructions}`);
    case AttkAction.COLLECT_MORE_FILES:
      return oneLine(`Files to collect: ${outcome.filesToCollect.join(", ")}`);
    case AttkAction.REQUEST_LOG_REANALYSIS:
      return oneLine(`Log re-analysed: ${outcome.collected ? "collected" : "not collected"}; ${outcome.findings}`);
  }
}

/** A file result's values that an outcome reads or changes. */
export interface FileValues {
  verdict: FileVerdict;
  detectionName: string | null;
  patternVersion: string | null;
  analyzedAt: Date | null;
  officialPatternVersion: string | null;
  virusInfoUrl: string | null;
  cleanupInstructions: string | null;
}

/**
 * What a DONE file outcome changes on the result as it is now (`file`, read under its row lock):
 * the new values, and whether they make a new entry of the verdict history (re-analysis, false
 * positive and detection name do). A detection name goes only on a file that is DANGEROUS now.
 */
export function fileOutcomeChanges(file: FileValues, outcome: Outcome, now: Date): { values: Partial<FileValues>; newVerdict: boolean } {
  switch (outcome.action) {
    case FileAction.REQUEST_REANALYSIS:
    case FileAction.REPORT_FALSE_POSITIVE:
      return {
        values: { verdict: outcome.verdict, detectionName: outcome.detectionName, patternVersion: outcome.patternVersion ?? file.patternVersion, analyzedAt: now },
        newVerdict: true,
      };
    case FileAction.REQUEST_DETECTION_NAME:
      if (file.verdict !== FileVerdict.DANGEROUS) throw badInput("outcome.detectionName", `a detection name is recorded only on a DANGEROUS file; this one is ${file.verdict} now`);
      return { values: { detectionName: outcome.detectionName }, newVerdict: true };
    case FileAction.REQUEST_PATTERN_FILE:
      return { values: { officialPatternVersion: outcome.officialPatternVersion }, newVerdict: false };
    case FileAction.REQUEST_VIRUS_INFO:
      return { values: { virusInfoUrl: outcome.virusInfoUrl }, newVerdict: false };
    case FileAction.REPORT_CLEANUP_FAILURE:
      return { values: { cleanupInstructions: outcome.instructions }, newVerdict: false };
    default:
      throw new Error(`${outcome.action} is not an outcome on a file result`);
  }
}

/** What a DONE ATTK outcome changes on the collection. */
export function attkOutcomeChanges(outcome: Outcome, now: Date): { filesToCollect?: string[]; collected?: boolean; findings?: string; analyzedAt?: Date } {
  switch (outcome.action) {
    case AttkAction.COLLECT_MORE_FILES:
      return { filesToCollect: outcome.filesToCollect };
    case AttkAction.REQUEST_LOG_REANALYSIS:
      return { collected: outcome.collected, findings: outcome.findings, analyzedAt: now };
    default:
      throw new Error(`${outcome.action} is not an outcome on an ATTK collection`);
  }
}

/** The answer's response: the text the customer reads, required with DONE and REJECTED. */
export function responseText(response: string | null | undefined): string {
  return requiredText("response", response, LIMITS.comment);
}
