import { describe, expect, it } from "vitest";
import { PRINCIPALS } from "../../../test/support/principals.js";
import { SCOPES, type Principal } from "../../kit/principal.js";
import { AnalysisRequestAnswer, AnalysisRequestState, AttkAction, FileAction, FileVerdict } from "../threat.enums.js";
import type { AnalysisRequestOutcomeInput } from "./analysis-request.input.js";
import {
  answerOutcome,
  attkOutcomeChanges,
  checkAnswer,
  checkStart,
  duplicateRequest,
  type FileValues,
  fileOutcomeChanges,
  filesToCollectOf,
  MAX_FILES_TO_COLLECT,
  oneLine,
  outcomeSummary,
  requireEngineerForRequests,
  responseText,
} from "./analysis-request.rules.js";

const { SUBMITTED, IN_PROGRESS, DONE, REJECTED } = AnalysisRequestState;
const NOW = new Date("2026-12-01T09:00:00.000Z");
const PARTNER_STAFF: Principal = { kind: "user", id: "u-initech", name: "Peter Gibbons", role: "partner", partnerId: "initech", organizationIds: ["acme"], scopes: [...SCOPES] };
const PARTNER_KEY: Principal = { kind: "apiKey", id: "k-initech", name: "Initech integration", role: "partner", partnerId: "initech", organizationIds: ["acme"], scopes: [...SCOPES] };

/** The error a rule throws, as clients see its extensions. */
function refusal(rule: () => unknown): Record<string, unknown> {
  try {
    rule();
  } catch (error) {
    return { message: (error as Error).message, ...(error as { extensions?: Record<string, unknown> }).extensions };
  }
  throw new Error("expected the rule to refuse");
}

const DANGEROUS_FILE: FileValues = {
  verdict: FileVerdict.DANGEROUS,
  detectionName: "TROJ_OLD.A",
  patternVersion: "19.100.00",
  analyzedAt: new Date("2026-11-01T00:00:00.000Z"),
  officialPatternVersion: null,
  virusInfoUrl: null,
  cleanupInstructions: null,
};

describe("who moves requests", () => {
  it("lets engineers and no one else start or answer requests (FORBIDDEN)", () => {
    expect(() => requireEngineerForRequests(PRINCIPALS.engineer)).not.toThrow();
    for (const principal of [PRINCIPALS.acme, PARTNER_STAFF, PARTNER_KEY]) {
      expect(refusal(() => requireEngineerForRequests(principal))).toMatchObject({ code: "FORBIDDEN" });
    }
  });
});

describe("request transitions", () => {
  it("starts only SUBMITTED requests; any other state is BAD_USER_INPUT naming the current state", () => {
    expect(() => checkStart("r1", SUBMITTED)).not.toThrow();
    for (const state of [IN_PROGRESS, DONE, REJECTED]) {
      expect(refusal(() => checkStart("r1", state))).toMatchObject({ code: "BAD_USER_INPUT", field: "requestId", state });
    }
  });

  it("answers SUBMITTED (at once) and IN_PROGRESS requests; DONE and REJECTED are final (BAD_USER_INPUT)", () => {
    expect(() => checkAnswer("r1", SUBMITTED)).not.toThrow();
    expect(() => checkAnswer("r1", IN_PROGRESS)).not.toThrow();
    for (const state of [DONE, REJECTED]) {
      expect(refusal(() => checkAnswer("r1", state))).toMatchObject({ code: "BAD_USER_INPUT", field: "requestId", state });
    }
  });

  it("answers CONFLICT with the current state when the caller's expectedState is stale, before judging the transition", () => {
    expect(refusal(() => checkStart("r1", IN_PROGRESS, SUBMITTED))).toMatchObject({ code: "CONFLICT", requestId: "r1", state: IN_PROGRESS });
    expect(refusal(() => checkAnswer("r1", DONE, IN_PROGRESS))).toMatchObject({ code: "CONFLICT", requestId: "r1", state: DONE });
    expect(() => checkAnswer("r1", IN_PROGRESS, IN_PROGRESS)).not.toThrow();
  });

  it("names the open request in a duplicate's CONFLICT", () => {
    const error = duplicateRequest("REQUEST_REANALYSIS", { id: "open-1", state: IN_PROGRESS });
    expect(error.extensions).toMatchObject({ code: "CONFLICT", requestId: "open-1", state: IN_PROGRESS });
    expect(error.message).toContain("open-1");
  });

  it("requires a response text with every answer", () => {
    expect(responseText("  Done: see the new verdict.  ")).toBe("Done: see the new verdict.");
    for (const response of ["", "   ", null, undefined]) expect(refusal(() => responseText(response))).toMatchObject({ code: "BAD_USER_INPUT", field: "response" });
    expect(refusal(() => responseText("x".repeat(8_001)))).toMatchObject({ code: "BAD_USER_INPUT", field: "response" });
  });
});

describe("outcomes by action", () => {
  const done = (action: string, input: AnalysisRequestOutcomeInput | null | undefined) => answerOutcome(action, AnalysisRequestAnswer.DONE, input);

  it("takes no outcome with REJECTED", () => {
    expect(answerOutcome(FileAction.REQUEST_REANALYSIS, AnalysisRequestAnswer.REJECTED, null)).toBeNull();
    expect(answerOutcome(FileAction.REQUEST_REANALYSIS, AnalysisRequestAnswer.REJECTED, {})).toBeNull();
    expect(refusal(() => answerOutcome(FileAction.REQUEST_REANALYSIS, AnalysisRequestAnswer.REJECTED, { verdict: FileVerdict.NO_PROBLEM }))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "outcome.verdict",
    });
  });

  it.each([...Object.values(FileAction), ...Object.values(AttkAction)])("requires an outcome with DONE for %s", (action) => {
    expect(refusal(() => done(action, null))).toMatchObject({ code: "BAD_USER_INPUT", field: "outcome" });
    expect(refusal(() => done(action, {}))).toMatchObject({ code: "BAD_USER_INPUT", field: "outcome" });
  });

  it("re-analysis: a verdict (not ANALYZING), a pattern version, a detection name only with DANGEROUS", () => {
    expect(done(FileAction.REQUEST_REANALYSIS, { verdict: FileVerdict.DANGEROUS, detectionName: " TROJ_NEW.B ", patternVersion: "19.200.00" })).toEqual({
      action: FileAction.REQUEST_REANALYSIS,
      verdict: FileVerdict.DANGEROUS,
      detectionName: "TROJ_NEW.B",
      patternVersion: "19.200.00",
    });
    expect(refusal(() => done(FileAction.REQUEST_REANALYSIS, { patternVersion: "19.200.00" }))).toMatchObject({ field: "outcome.verdict" });
    expect(refusal(() => done(FileAction.REQUEST_REANALYSIS, { verdict: FileVerdict.ANALYZING, patternVersion: "1" }))).toMatchObject({ field: "outcome.verdict" });
    expect(refusal(() => done(FileAction.REQUEST_REANALYSIS, { verdict: FileVerdict.NO_PROBLEM }))).toMatchObject({ field: "outcome.patternVersion" });
    expect(refusal(() => done(FileAction.REQUEST_REANALYSIS, { verdict: FileVerdict.NO_PROBLEM, detectionName: "X", patternVersion: "1" }))).toMatchObject({ field: "outcome.detectionName" });
  });

  it("false positive: the corrected verdict; the pattern version is optional", () => {
    expect(done(FileAction.REPORT_FALSE_POSITIVE, { verdict: FileVerdict.NO_PROBLEM })).toEqual({
      action: FileAction.REPORT_FALSE_POSITIVE,
      verdict: FileVerdict.NO_PROBLEM,
      detectionName: null,
      patternVersion: null,
    });
    expect(refusal(() => done(FileAction.REPORT_FALSE_POSITIVE, { patternVersion: "19.1" }))).toMatchObject({ field: "outcome.verdict" });
  });

  it("pattern file, detection name, virus information, cleanup failure: their one required field", () => {
    expect(done(FileAction.REQUEST_PATTERN_FILE, { patternVersion: "19.300.00" })).toEqual({ action: FileAction.REQUEST_PATTERN_FILE, officialPatternVersion: "19.300.00" });
    expect(done(FileAction.REQUEST_DETECTION_NAME, { detectionName: "Ransom.Win32.X.A" })).toEqual({ action: FileAction.REQUEST_DETECTION_NAME, detectionName: "Ransom.Win32.X.A" });
    expect(done(FileAction.REQUEST_VIRUS_INFO, { virusInfoUrl: "HTTPS://Threats.Example/x" })).toEqual({ action: FileAction.REQUEST_VIRUS_INFO, virusInfoUrl: "https://threats.example/x" });
    expect(done(FileAction.REPORT_CLEANUP_FAILURE, { instructions: "Boot into safe mode, then run the tool." })).toEqual({
      action: FileAction.REPORT_CLEANUP_FAILURE,
      instructions: "Boot into safe mode, then run the tool.",
    });
    expect(refusal(() => done(FileAction.REQUEST_PATTERN_FILE, { patternVersion: "  " }))).toMatchObject({ field: "outcome.patternVersion" });
    expect(refusal(() => done(FileAction.REQUEST_DETECTION_NAME, { detectionName: "x".repeat(201) }))).toMatchObject({ field: "outcome.detectionName" });
    expect(refusal(() => done(FileAction.REPORT_CLEANUP_FAILURE, { instructions: "" }))).toMatchObject({ field: "outcome.instructions" });
  });

  it("validates the virus information link: http or https only", () => {
    for (const virusInfoUrl of ["javascript:alert(1)", "ftp://threats.example/x", "not a link", "https://"]) {
      expect(refusal(() => done(FileAction.REQUEST_VIRUS_INFO, { virusInfoUrl }))).toMatchObject({ code: "BAD_USER_INPUT", field: "outcome.virusInfoUrl" });
    }
  });

  it("refuses outcome fields the action does not take, naming the field", () => {
    expect(refusal(() => done(FileAction.REQUEST_PATTERN_FILE, { patternVersion: "1", verdict: FileVerdict.NO_PROBLEM }))).toMatchObject({ field: "outcome.verdict" });
    expect(refusal(() => done(FileAction.REQUEST_VIRUS_INFO, { instructions: "x" }))).toMatchObject({ field: "outcome.instructions" });
    expect(refusal(() => done(AttkAction.COLLECT_MORE_FILES, { filesToCollect: ["a"], findings: "x" }))).toMatchObject({ field: "outcome.findings" });
  });

  it("collect more files: at least one path, each once ignoring case, at most MAX_FILES_TO_COLLECT", () => {
    expect(done(AttkAction.COLLECT_MORE_FILES, { filesToCollect: [" C:\\Temp\\a.exe ", "c:\\temp\\A.EXE", "C:\\Temp\\b.dll"] })).toEqual({
      action: AttkAction.COLLECT_MORE_FILES,
      filesToCollect: ["C:\\Temp\\a.exe", "C:\\Temp\\b.dll"],
    });
    expect(refusal(() => filesToCollectOf([]))).toMatchObject({ field: "outcome.filesToCollect" });
    expect(refusal(() => filesToCollectOf(["ok", " "]))).toMatchObject({ field: "outcome.filesToCollect" });
    expect(refusal(() => filesToCollectOf(Array.from({ length: MAX_FILES_TO_COLLECT + 1 }, (_, i) => `f${i}`)))).toMatchObject({ field: "outcome.filesToCollect" });
  });

  it("ATTK log re-analysis: whether the file shows as collected, and the findings", () => {
    expect(done(AttkAction.REQUEST_LOG_REANALYSIS, { collected: false, findings: "The scheduled task is in the log." })).toEqual({
      action: AttkAction.REQUEST_LOG_REANALYSIS,
      collected: false,
      findings: "The scheduled task is in the log.",
    });
    expect(refusal(() => done(AttkAction.REQUEST_LOG_REANALYSIS, { findings: "x" }))).toMatchObject({ field: "outcome.collected" });
    expect(refusal(() => done(AttkAction.REQUEST_LOG_REANALYSIS, { collected: true }))).toMatchObject({ field: "outcome.findings" });
  });
});

describe("what an outcome changes on the result", () => {
  it("re-analysis replaces verdict, detection name, pattern version and analysis time, and makes a history entry", () => {
    const outcome = answerOutcome(FileAction.REQUEST_REANALYSIS, AnalysisRequestAnswer.DONE, { verdict: FileVerdict.NO_PROBLEM, patternVersion: "19.200.00" })!;
    expect(fileOutcomeChanges(DANGEROUS_FILE, outcome, NOW)).toEqual({ values: { verdict: FileVerdict.NO_PROBLEM, detectionName: null, patternVersion: "19.200.00", analyzedAt: NOW }, newVerdict: true });
  });

  it("a false-positive correction without a pattern version keeps the file's", () => {
    const outcome = answerOutcome(FileAction.REPORT_FALSE_POSITIVE, AnalysisRequestAnswer.DONE, { verdict: FileVerdict.NO_PROBLEM })!;
    expect(fileOutcomeChanges(DANGEROUS_FILE, outcome, NOW).values).toMatchObject({ verdict: FileVerdict.NO_PROBLEM, detectionName: null, patternVersion: "19.100.00" });
  });

  it("a detection name goes only on a file that is DANGEROUS now, and enters the history", () => {
    const outcome = answerOutcome(FileAction.REQUEST_DETECTION_NAME, AnalysisRequestAnswer.DONE, { detectionName: "TROJ_NAMED.A" })!;
    expect(fileOutcomeChanges(DANGEROUS_FILE, outcome, NOW)).toEqual({ values: { detectionName: "TROJ_NAMED.A" }, newVerdict: true });
    expect(refusal(() => fileOutcomeChanges({ ...DANGEROUS_FILE, verdict: FileVerdict.NO_PROBLEM }, outcome, NOW))).toMatchObject({ code: "BAD_USER_INPUT", field: "outcome.detectionName" });
  });

  it("pattern file, virus information and cleanup failure fill their own fields and leave the verdict alone", () => {
    const changes = (action: FileAction, input: AnalysisRequestOutcomeInput) => fileOutcomeChanges(DANGEROUS_FILE, answerOutcome(action, AnalysisRequestAnswer.DONE, input)!, NOW);
    expect(changes(FileAction.REQUEST_PATTERN_FILE, { patternVersion: "19.300.00" })).toEqual({ values: { officialPatternVersion: "19.300.00" }, newVerdict: false });
    expect(changes(FileAction.REQUEST_VIRUS_INFO, { virusInfoUrl: "https://threats.example/x" })).toEqual({ values: { virusInfoUrl: "https://threats.example/x" }, newVerdict: false });
    expect(changes(FileAction.REPORT_CLEANUP_FAILURE, { instructions: "Run the tool twice." })).toEqual({ values: { cleanupInstructions: "Run the tool twice." }, newVerdict: false });
  });

  it("ATTK outcomes: the files to collect; or the re-analysed collected flag with findings and a new analysis time", () => {
    expect(attkOutcomeChanges(answerOutcome(AttkAction.COLLECT_MORE_FILES, AnalysisRequestAnswer.DONE, { filesToCollect: ["a"] })!, NOW)).toEqual({ filesToCollect: ["a"] });
    expect(attkOutcomeChanges(answerOutcome(AttkAction.REQUEST_LOG_REANALYSIS, AnalysisRequestAnswer.DONE, { collected: true, findings: "f" })!, NOW)).toEqual({
      collected: true,
      findings: "f",
      analyzedAt: NOW,
    });
  });
});

describe("outcome summaries", () => {
  const summary = (action: string, input: AnalysisRequestOutcomeInput) => outcomeSummary(answerOutcome(action, AnalysisRequestAnswer.DONE, input)!);

  it("says in one line what each outcome recorded", () => {
    expect(summary(FileAction.REQUEST_REANALYSIS, { verdict: FileVerdict.DANGEROUS, detectionName: "TROJ.A", patternVersion: "19.2" })).toBe("Verdict DANGEROUS (TROJ.A), pattern 19.2");
    expect(summary(FileAction.REPORT_FALSE_POSITIVE, { verdict: FileVerdict.NO_PROBLEM })).toBe("Verdict NO_PROBLEM");
    expect(summary(FileAction.REQUEST_PATTERN_FILE, { patternVersion: "19.3" })).toBe("Handled by pattern 19.3");
    expect(summary(FileAction.REQUEST_DETECTION_NAME, { detectionName: "TROJ.B" })).toBe("Detection name TROJ.B");
    expect(summary(FileAction.REQUEST_VIRUS_INFO, { virusInfoUrl: "https://threats.example/b" })).toBe("Virus information: https://threats.example/b");
    expect(summary(FileAction.REPORT_CLEANUP_FAILURE, { instructions: "Step 1.\nStep 2." })).toBe("Cleanup instructions: Step 1. Step 2.");
    expect(summary(AttkAction.COLLECT_MORE_FILES, { filesToCollect: ["a", "b"] })).toBe("Files to collect: a, b");
    expect(summary(AttkAction.REQUEST_LOG_REANALYSIS, { collected: false, findings: "Nothing new." })).toBe("Log re-analysed: not collected; Nothing new.");
  });

  it("shortens long text to one line of at most 300 characters", () => {
    const line = oneLine(`${"word ".repeat(100)}\n${"x".repeat(400)}`);
    expect([...line].length).toBe(300);
    expect(line.endsWith("…")).toBe(true);
    expect(line).not.toContain("\n");
  });
});
