import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDevToken } from "../../gateway/auth/bearer-token.js";
import { IdempotencyRecord } from "../../gateway/idempotency/idempotency-record.entity.js";
import { AnalysisRequestEntity } from "../../subgraphs/threat-analysis/analysis-request/analysis-request.entity.js";
import { CaseActivityOutboxEntity } from "../../subgraphs/threat-analysis/case-activity/case-activity-outbox.entity.js";
import { apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { DATABASES } from "../support/databases.js";
import { type GraphQLResponse, startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";
import { errorCode, errorOf, threatApi } from "../support/threat-api.js";

/**
 * Engineers work the customers' requests on threat results (docs/domain.md, "Requests on results"):
 * SUBMITTED → IN_PROGRESS → DONE or REJECTED, with a response; a DONE answer records the action's
 * outcome on the result; one open request per action and result; every transition is case activity.
 */
const REQUEST = "id action comment state requestedBy { id role } requestedAt startedAt startedBy { id name role } respondedAt respondedBy { id name role } response outcome";
const FILE = `id fileName verdict detectionName patternVersion analyzedAt officialPatternVersion virusInfoUrl cleanupInstructions availableActions
  verdictHistory { verdict detectionName patternVersion at by { id role } requestId } requests { ${REQUEST} }`;
const ATTK = `id fileName collected analyzedAt findings filesToCollect availableActions requests { ${REQUEST} }`;
const PAYLOAD = `request { ${REQUEST} } fileAnalysis { ${FILE} } attkCollection { ${ATTK} }`;

const sorted = (values: string[]) => [...values].sort();

describe.each(DATABASES)("requests on threat results, through the gateway on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof threatApi>;
  let customer: string;
  let partner: string;
  let engineer: string;
  let secondEngineer: string;
  let partnerKey: Record<string, string>;
  /** The graph's clock: each step sets the time it happens at. */
  let now = new Date("2026-12-01T09:00:00.000Z");
  const at = (iso: string) => {
    now = new Date(iso);
    return iso;
  };

  beforeAll(async () => {
    // Activities stay in the threat-analysis outbox (no delivery pass after mutations), so the tests read them there.
    graph = await startGraph({ database, clock: () => now, env: { CASE_ACTIVITY_DELIVERY_WAIT_MS: "0" } });
    api = threatApi(graph);
    customer = await graph.tokenFor("customer@acme.example");
    partner = await graph.tokenFor("staff@initech.example");
    engineer = await graph.tokenFor("engineer@support.example");
    secondEngineer = await signDevToken({ sub: "u-engineer-2", name: "Mika Ito", email: "engineer2@support.example", role: "engineer" }, TEST_JWT_SECRET);
    const { key } = await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read", "cases:write", "attachments:write", "threats:write"], label: "requests test" });
    partnerKey = apiKeyHeader(key);
  });
  afterAll(() => graph?.stop());

  const mutate = (name: string, type: string) => (token: string | null, input: Record<string, unknown>, headers?: Record<string, string>) =>
    graph.request({ query: `mutation($input: ${type}!) { ${name}(input: $input) { ${PAYLOAD} } }`, variables: { input }, token: token ?? undefined, headers });
  const start = mutate("startAnalysisRequest", "StartAnalysisRequestInput");
  const answer = mutate("answerAnalysisRequest", "AnswerAnalysisRequestInput");
  const requestFile = (token: string, fileAnalysisId: string, action: string, comment: string | null = "Please check.") =>
    graph.request({ query: `mutation($input: RequestFileActionInput!) { requestFileAction(input: $input) { ${PAYLOAD} } }`, variables: { input: { fileAnalysisId, action, comment } }, token });
  const requestAttk = (token: string, attkCollectionId: string, action: string, comment = "The first collection missed files.") =>
    graph.request({ query: `mutation($input: RequestAttkActionInput!) { requestAttkAction(input: $input) { ${PAYLOAD} } }`, variables: { input: { attkCollectionId, action, comment } }, token });

  /** The payload of a mutation that must succeed. */
  function ok(response: GraphQLResponse): any {
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return Object.values(response.data!)[0];
  }

  /** The case's file and ATTK results as `token` sees them, with every request field (two queries: together they cost more than one query may). */
  async function tab(token: string, caseId: string): Promise<{ files: any[]; attk: any[] }> {
    const read = async (kind: "files" | "attk", fields: string) => {
      const response = await graph.request({ query: `query($id: ID!) { case(id: $id) { threatAnalysis { ${kind} { ${fields} } } } }`, variables: { id: caseId }, token });
      expect(response.errors).toBeUndefined();
      return response.data!.case.threatAnalysis[kind] as any[];
    };
    return { files: await read("files", FILE), attk: await read("attk", ATTK) };
  }

  /** The case activities this subgraph has written for `caseId`, oldest first. */
  async function activities(caseId: string) {
    const rows = await graph.threats.dataSource.getRepository(CaseActivityOutboxEntity).find({ where: { caseId }, order: { occurredAt: "ASC", id: "ASC" } });
    return rows.map((row) => ({ kind: row.kind, actor: row.actor.id, at: row.occurredAt.toISOString(), details: row.details }));
  }

  /** An acme THREAT case of `category` with one uploaded file recorded with `verdict`. */
  async function fileResult(category: string, verdict: "DANGEROUS" | "NO_PROBLEM", detectionName: string | null = verdict === "DANGEROUS" ? "TROJ_FIRST.A" : null) {
    const caseId = await api.createThreatCase(customer, category);
    const upload = await api.uploadZip(customer, caseId, "sample.zip");
    const [file] = ok(await api.submit(customer, { caseId, attachmentIds: [upload.id] })).threatAnalysis.files;
    ok(await api.recordFileVerdict(engineer, { fileAnalysisId: file.id, verdict, detectionName, patternVersion: "19.100.00" }));
    return { caseId, fileId: file.id as string };
  }

  /** An ATTK collection on a new INFECTION_ANALYSIS case. */
  async function attkResult(collected: boolean) {
    const caseId = await api.createThreatCase(customer, "INFECTION_ANALYSIS");
    const [attk] = ok(await api.recordAttkFile(engineer, { caseId, fileName: "C:\\Windows\\Temp\\dropper.exe", collected })).threatAnalysis.attk;
    return { caseId, attkId: attk.id as string };
  }

  it("takes a re-analysis request from SUBMITTED through IN_PROGRESS to DONE: a new verdict, the old one kept in verdictHistory, actions that follow it", async () => {
    at("2026-12-01T09:00:00.000Z");
    const { caseId, fileId } = await fileResult("INFECTION_ANALYSIS", "DANGEROUS");
    at("2026-12-01T09:10:00.000Z");
    const submitted = ok(await requestFile(customer, fileId, "REQUEST_REANALYSIS", "Our own tool; please look again.")).request;
    expect(submitted).toMatchObject({ state: "SUBMITTED", startedAt: null, startedBy: null, respondedAt: null, respondedBy: null, response: null, outcome: null });

    at("2026-12-01T09:20:00.000Z");
    const started = ok(await start(engineer, { requestId: submitted.id, expectedState: "SUBMITTED" })).request;
    expect(started).toMatchObject({ id: submitted.id, state: "IN_PROGRESS", startedAt: "2026-12-01T09:20:00.000Z", startedBy: { id: "u-engineer", name: "Kenji Sato", role: "ENGINEER" }, respondedAt: null });

    at("2026-12-01T09:30:00.000Z");
    const answered = ok(
      await answer(engineer, {
        requestId: submitted.id,
        expectedState: "IN_PROGRESS",
        state: "DONE",
        response: "Re-analysed with the latest pattern: the file is clean.",
        outcome: { verdict: "NO_PROBLEM", patternVersion: "19.200.00" },
      }),
    );
    expect(answered.request).toMatchObject({
      state: "DONE",
      startedAt: "2026-12-01T09:20:00.000Z",
      respondedAt: "2026-12-01T09:30:00.000Z",
      respondedBy: { id: "u-engineer", role: "ENGINEER" },
      response: "Re-analysed with the latest pattern: the file is clean.",
      outcome: "Verdict NO_PROBLEM, pattern 19.200.00",
    });
    expect(answered.attkCollection).toBeNull();
    expect(answered.fileAnalysis).toMatchObject({ verdict: "NO_PROBLEM", detectionName: null, patternVersion: "19.200.00", analyzedAt: "2026-12-01T09:30:00.000Z" });
    expect(answered.fileAnalysis.verdictHistory).toEqual([
      { verdict: "DANGEROUS", detectionName: "TROJ_FIRST.A", patternVersion: "19.100.00", at: "2026-12-01T09:00:00.000Z", by: { id: "u-engineer", role: "ENGINEER" }, requestId: null },
      { verdict: "NO_PROBLEM", detectionName: null, patternVersion: "19.200.00", at: "2026-12-01T09:30:00.000Z", by: { id: "u-engineer", role: "ENGINEER" }, requestId: submitted.id },
    ]);

    // The customer sees the answer and the buttons of the new verdict.
    const seen = (await tab(customer, caseId)).files[0];
    expect(sorted(seen.availableActions)).toEqual(sorted(["REQUEST_REANALYSIS", "REPORT_FALSE_POSITIVE"]));
    expect(seen.requests).toEqual([answered.request]);
    expect(seen.verdictHistory).toEqual(answered.fileAnalysis.verdictHistory);

    // Both transitions are case activity, written with them.
    const written = (await activities(caseId)).filter((a) => a.kind === "REQUEST_STARTED" || a.kind === "REQUEST_ANSWERED");
    expect(written).toEqual([
      {
        kind: "REQUEST_STARTED",
        actor: "u-engineer",
        at: "2026-12-01T09:20:00.000Z",
        details: {
          requestId: submitted.id,
          action: "REQUEST_REANALYSIS",
          subjectName: "sample.zip",
          "actionLabel.ja": "再解析依頼",
          "actionLabel.en": "Request re-analysis",
          "stateLabel.ja": "対応中",
          "stateLabel.en": "In progress",
        },
      },
      {
        kind: "REQUEST_ANSWERED",
        actor: "u-engineer",
        at: "2026-12-01T09:30:00.000Z",
        details: {
          requestId: submitted.id,
          action: "REQUEST_REANALYSIS",
          subjectName: "sample.zip",
          state: "DONE",
          response: "Re-analysed with the latest pattern: the file is clean.",
          outcome: "Verdict NO_PROBLEM, pattern 19.200.00",
          // The threat subgraph's own words travel with the activity, for the mail.
          "actionLabel.ja": "再解析依頼",
          "actionLabel.en": "Request re-analysis",
          "stateLabel.ja": "対応済み",
          "stateLabel.en": "Done",
        },
      },
    ]);
  });

  it("rejects a request with a response and no outcome, straight from SUBMITTED; the result stays as it was", async () => {
    const { caseId, fileId } = await fileResult("INFECTION_ANALYSIS", "DANGEROUS");
    const before = (await tab(engineer, caseId)).files[0];
    const { id } = ok(await requestFile(customer, fileId, "REQUEST_VIRUS_INFO")).request;
    at("2026-12-01T10:00:00.000Z");
    const rejected = ok(await answer(engineer, { requestId: id, state: "REJECTED", response: "An article for this family exists already: see TROJ_FIRST." }));
    expect(rejected.request).toMatchObject({
      state: "REJECTED",
      startedAt: null,
      startedBy: null,
      respondedAt: "2026-12-01T10:00:00.000Z",
      response: "An article for this family exists already: see TROJ_FIRST.",
      outcome: null,
    });
    const after = (await tab(engineer, caseId)).files[0];
    expect({ ...after, requests: undefined }).toEqual({ ...before, requests: undefined });
    const answeredActivity = (await activities(caseId)).find((a) => a.kind === "REQUEST_ANSWERED");
    expect(answeredActivity?.details).toEqual({
      requestId: id,
      action: "REQUEST_VIRUS_INFO",
      subjectName: "sample.zip",
      state: "REJECTED",
      response: "An article for this family exists already: see TROJ_FIRST.",
      outcome: null,
      "actionLabel.ja": "ウイルス情報作成依頼",
      "actionLabel.en": "Request virus information",
      "stateLabel.ja": "対応不可",
      "stateLabel.en": "Rejected",
    });
    expect(errorOf(await answer(engineer, { requestId: id, state: "DONE", response: "x", outcome: { virusInfoUrl: "https://x.example/" } }))).toMatchObject({ code: "BAD_USER_INPUT", state: "REJECTED" });
  });

  it("answers FORBIDDEN to customers, partner staff and partner keys, and changes nothing", async () => {
    const { caseId, fileId } = await fileResult("INFECTION_ANALYSIS", "DANGEROUS");
    const { id } = ok(await requestFile(customer, fileId, "REQUEST_PATTERN_FILE")).request;
    const activitiesBefore = await activities(caseId);
    const callers: [string, string | null, Record<string, string> | undefined][] = [
      ["customer", customer, undefined],
      ["partner staff", partner, undefined],
      ["partner key", null, partnerKey],
    ];
    for (const [who, token, headers] of callers) {
      expect(errorCode(await start(token, { requestId: id }, headers)), `${who} starting`).toBe("FORBIDDEN");
      expect(errorCode(await answer(token, { requestId: id, state: "DONE", response: "Covered.", outcome: { patternVersion: "19.300.00" } }, headers)), `${who} answering`).toBe("FORBIDDEN");
      expect(errorCode(await answer(token, { requestId: id, state: "REJECTED", response: "No." }, headers)), `${who} rejecting`).toBe("FORBIDDEN");
    }
    const file = (await tab(engineer, caseId)).files[0];
    expect(file.requests[0]).toMatchObject({ id, state: "SUBMITTED", startedBy: null, respondedBy: null });
    expect(file.officialPatternVersion).toBeNull();
    expect(await activities(caseId)).toEqual(activitiesBefore);
  });

  it("refuses illegal transitions with BAD_USER_INPUT, a stale expectedState with CONFLICT, an unknown request with NOT_FOUND, and changes nothing", async () => {
    const { caseId, fileId } = await fileResult("INFECTION_ANALYSIS", "DANGEROUS");
    const { id } = ok(await requestFile(customer, fileId, "REQUEST_PATTERN_FILE")).request;
    expect(errorOf(await start(engineer, { requestId: id, expectedState: "IN_PROGRESS" }))).toMatchObject({ code: "CONFLICT", requestId: id, state: "SUBMITTED" });
    ok(await start(engineer, { requestId: id }));
    expect(errorOf(await start(engineer, { requestId: id }))).toMatchObject({ code: "BAD_USER_INPUT", field: "requestId", state: "IN_PROGRESS" });
    expect(errorOf(await answer(engineer, { requestId: id, expectedState: "SUBMITTED", state: "REJECTED", response: "No." }))).toMatchObject({ code: "CONFLICT", state: "IN_PROGRESS" });

    // A failed answer leaves the request, the result and the case's activity as they were.
    const activitiesBefore = await activities(caseId);
    const invalid = [
      [{ state: "DONE", response: "  ", outcome: { patternVersion: "19.300.00" } }, "response"],
      [{ state: "DONE", response: "Covered." }, "outcome"],
      [{ state: "DONE", response: "Covered.", outcome: { patternVersion: "19.300.00", virusInfoUrl: "https://x.example/" } }, "outcome.virusInfoUrl"],
      [{ state: "REJECTED", response: "No.", outcome: { patternVersion: "19.300.00" } }, "outcome.patternVersion"],
    ] as const;
    for (const [input, field] of invalid) expect(errorOf(await answer(engineer, { requestId: id, ...input })), field).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect((await tab(engineer, caseId)).files[0]).toMatchObject({ officialPatternVersion: null, requests: [{ id, state: "IN_PROGRESS", respondedAt: null, response: null }] });
    expect(await activities(caseId)).toEqual(activitiesBefore);

    ok(await answer(engineer, { requestId: id, state: "DONE", response: "Covered from pattern 19.300.00 on.", outcome: { patternVersion: "19.300.00" } }));
    for (const response of [await start(engineer, { requestId: id }), await answer(engineer, { requestId: id, state: "REJECTED", response: "Changed my mind." })]) {
      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "requestId", state: "DONE" });
    }
    expect(errorCode(await start(engineer, { requestId: "00000000-0000-4000-8000-000000000000" }))).toBe("NOT_FOUND");
  });

  it("answers CASE_CLOSED on a closed case and changes nothing", async () => {
    const { caseId, fileId } = await fileResult("INFECTION_ANALYSIS", "DANGEROUS");
    const submitted = ok(await requestFile(customer, fileId, "REQUEST_DETECTION_NAME")).request;
    const [attk] = ok(await api.recordAttkFile(engineer, { caseId, fileName: "attk.log", collected: true })).threatAnalysis.attk;
    const attkRequest = ok(await requestAttk(customer, attk.id, "COLLECT_MORE_FILES")).request;
    const started = ok(await requestFile(customer, fileId, "REQUEST_PATTERN_FILE")).request;
    ok(await start(engineer, { requestId: started.id }));
    const closed = await graph.request({ query: "mutation($input: CloseCaseInput!) { closeCase(input: $input) { case { status } } }", variables: { input: { caseId } }, token: customer });
    expect(closed.errors).toBeUndefined();
    const before = await tab(engineer, caseId);
    const activitiesBefore = await activities(caseId);

    expect(errorCode(await start(engineer, { requestId: submitted.id }))).toBe("CASE_CLOSED");
    expect(errorCode(await answer(engineer, { requestId: submitted.id, state: "DONE", response: "Named.", outcome: { detectionName: "TROJ_NAMED.A" } }))).toBe("CASE_CLOSED");
    expect(errorCode(await answer(engineer, { requestId: started.id, state: "REJECTED", response: "Case closed." }))).toBe("CASE_CLOSED");
    expect(errorCode(await answer(engineer, { requestId: attkRequest.id, state: "DONE", response: "Collect these.", outcome: { filesToCollect: ["a.exe"] } }))).toBe("CASE_CLOSED");
    expect(await tab(engineer, caseId)).toEqual(before);
    expect(await activities(caseId)).toEqual(activitiesBefore);
  });

  it("records each file action's outcome on the result", async () => {
    const { caseId, fileId } = await fileResult("INFECTION_ANALYSIS", "DANGEROUS", null);
    const requestId = async (action: string) => ok(await requestFile(customer, fileId, action)).request.id as string;

    const pattern = ok(await answer(engineer, { requestId: await requestId("REQUEST_PATTERN_FILE"), state: "DONE", response: "Covered.", outcome: { patternVersion: "19.300.00" } }));
    expect(pattern.fileAnalysis).toMatchObject({ officialPatternVersion: "19.300.00", patternVersion: "19.100.00", verdict: "DANGEROUS" });
    expect(pattern.request.outcome).toBe("Handled by pattern 19.300.00");

    const virusInfo = await requestId("REQUEST_VIRUS_INFO");
    for (const virusInfoUrl of ["javascript:alert(1)", "ftp://threats.example/a", "no link"]) {
      expect(errorOf(await answer(engineer, { requestId: virusInfo, state: "DONE", response: "See the article.", outcome: { virusInfoUrl } }))).toMatchObject({ code: "BAD_USER_INPUT", field: "outcome.virusInfoUrl" });
    }
    const article = ok(await answer(engineer, { requestId: virusInfo, state: "DONE", response: "See the article.", outcome: { virusInfoUrl: "HTTPS://Threats.Example/encyclopedia/troj_named.a" } }));
    expect(article.fileAnalysis.virusInfoUrl).toBe("https://threats.example/encyclopedia/troj_named.a");

    const cleanup = ok(
      await answer(engineer, {
        requestId: await requestId("REPORT_CLEANUP_FAILURE"),
        state: "DONE",
        response: "Follow these steps.",
        outcome: { instructions: "1. Disconnect the PC.\n2. Boot into safe mode.\n3. Run the tool." },
      }),
    );
    expect(cleanup.fileAnalysis.cleanupInstructions).toBe("1. Disconnect the PC.\n2. Boot into safe mode.\n3. Run the tool.");
    expect(cleanup.request.outcome).toBe("Cleanup instructions: 1. Disconnect the PC. 2. Boot into safe mode. 3. Run the tool.");

    const named = ok(await answer(engineer, { requestId: await requestId("REQUEST_DETECTION_NAME"), state: "DONE", response: "Named.", outcome: { detectionName: "TROJ_NAMED.A" } }));
    expect(named.fileAnalysis).toMatchObject({ verdict: "DANGEROUS", detectionName: "TROJ_NAMED.A" });
    expect(named.fileAnalysis.verdictHistory.map((v: any) => [v.verdict, v.detectionName, v.requestId])).toEqual([
      ["DANGEROUS", null, null],
      ["DANGEROUS", "TROJ_NAMED.A", named.request.id],
    ]);

    // A false positive corrects the verdict: a NO_PROBLEM file offers only re-analysis and false positive.
    const corrected = ok(
      await answer(engineer, { requestId: await requestId("REPORT_FALSE_POSITIVE"), state: "DONE", response: "Corrected in 19.301.00.", outcome: { verdict: "NO_PROBLEM", patternVersion: "19.301.00" } }),
    );
    expect(corrected.fileAnalysis).toMatchObject({ verdict: "NO_PROBLEM", detectionName: null, patternVersion: "19.301.00" });
    expect(corrected.fileAnalysis.verdictHistory.map((v: any) => v.verdict)).toEqual(["DANGEROUS", "DANGEROUS", "NO_PROBLEM"]);
    expect(sorted((await tab(customer, caseId)).files[0].availableActions)).toEqual(sorted(["REQUEST_REANALYSIS", "REPORT_FALSE_POSITIVE"]));
    // What earlier answers recorded stays on the result.
    expect((await tab(customer, caseId)).files[0]).toMatchObject({ officialPatternVersion: "19.300.00", virusInfoUrl: "https://threats.example/encyclopedia/troj_named.a" });
  });

  it("names a file only while it is DANGEROUS: a detection-name answer after a re-analysis to NO_PROBLEM is BAD_USER_INPUT", async () => {
    const { caseId, fileId } = await fileResult("INFECTION_ANALYSIS", "DANGEROUS", null);
    const naming = ok(await requestFile(customer, fileId, "REQUEST_DETECTION_NAME")).request.id;
    const reanalysis = ok(await requestFile(customer, fileId, "REQUEST_REANALYSIS")).request.id;
    ok(await answer(engineer, { requestId: reanalysis, state: "DONE", response: "Clean after all.", outcome: { verdict: "NO_PROBLEM", patternVersion: "19.200.00" } }));
    expect(errorOf(await answer(engineer, { requestId: naming, state: "DONE", response: "Named.", outcome: { detectionName: "TROJ_X" } }))).toMatchObject({ code: "BAD_USER_INPUT", field: "outcome.detectionName" });
    expect((await tab(engineer, caseId)).files[0]).toMatchObject({ verdict: "NO_PROBLEM", detectionName: null });
    ok(await answer(engineer, { requestId: naming, state: "REJECTED", response: "The file turned out clean; it gets no detection name." }));
  });

  it("records the ATTK outcomes on the collection: the files to collect; the re-analysed collected flag and findings", async () => {
    const { caseId, attkId } = await attkResult(false);
    const more = ok(await requestAttk(customer, attkId, "COLLECT_MORE_FILES")).request.id;
    expect(errorOf(await answer(engineer, { requestId: more, state: "DONE", response: "Please collect these.", outcome: { filesToCollect: [] } }))).toMatchObject({ field: "outcome.filesToCollect" });
    const collect = ok(
      await answer(engineer, {
        requestId: more,
        state: "DONE",
        response: "Please collect these.",
        outcome: { filesToCollect: ["C:\\ProgramData\\loader.dll", " C:\\Windows\\Tasks\\update.job ", "c:\\programdata\\LOADER.dll"] },
      }),
    );
    expect(collect.fileAnalysis).toBeNull();
    expect(collect.attkCollection).toMatchObject({ id: attkId, collected: false, filesToCollect: ["C:\\ProgramData\\loader.dll", "C:\\Windows\\Tasks\\update.job"] });
    expect(collect.request.outcome).toBe("Files to collect: C:\\ProgramData\\loader.dll, C:\\Windows\\Tasks\\update.job");

    const reanalysis = ok(await requestAttk(customer, attkId, "REQUEST_LOG_REANALYSIS", "The log misses the scheduled task.")).request.id;
    at("2026-12-02T08:00:00.000Z");
    const found = ok(await answer(engineer, { requestId: reanalysis, state: "DONE", response: "The task was in the log.", outcome: { collected: true, findings: "The dropper was collected as update.job's target." } }));
    expect(found.attkCollection).toMatchObject({ collected: true, findings: "The dropper was collected as update.job's target.", analyzedAt: "2026-12-02T08:00:00.000Z" });
    expect(found.request.outcome).toBe("Log re-analysed: collected; The dropper was collected as update.job's target.");
    expect((await tab(customer, caseId)).attk[0]).toMatchObject({ availableActions: ["REQUEST_LOG_REANALYSIS", "COLLECT_MORE_FILES"], filesToCollect: ["C:\\ProgramData\\loader.dll", "C:\\Windows\\Tasks\\update.job"] });
    const details = (await activities(caseId)).filter((a) => a.kind === "REQUEST_ANSWERED").map((a) => a.details.subjectName);
    expect(details).toEqual(["C:\\Windows\\Temp\\dropper.exe", "C:\\Windows\\Temp\\dropper.exe"]);
  });

  it("refuses the same action on the same result while a request for it is open (CONFLICT naming it) and takes it again once answered", async () => {
    const { caseId, fileId } = await fileResult("INFECTION_ANALYSIS", "NO_PROBLEM");
    at("2026-12-03T09:00:00.000Z");
    const first = ok(await requestFile(customer, fileId, "REQUEST_REANALYSIS")).request.id;
    expect(errorOf(await requestFile(partner, fileId, "REQUEST_REANALYSIS"))).toMatchObject({ code: "CONFLICT", requestId: first, state: "SUBMITTED" });
    ok(await requestFile(customer, fileId, "REPORT_FALSE_POSITIVE"));
    ok(await start(engineer, { requestId: first }));
    expect(errorOf(await requestFile(customer, fileId, "REQUEST_REANALYSIS"))).toMatchObject({ code: "CONFLICT", requestId: first, state: "IN_PROGRESS" });

    ok(await answer(engineer, { requestId: first, state: "REJECTED", response: "Nothing changed since the first analysis." }));
    at("2026-12-03T10:00:00.000Z");
    const second = ok(await requestFile(customer, fileId, "REQUEST_REANALYSIS", "It still alerts.")).request.id;
    ok(await answer(engineer, { requestId: second, state: "DONE", response: "Re-analysed.", outcome: { verdict: "NO_PROBLEM", patternVersion: "19.200.00" } }));
    at("2026-12-03T11:00:00.000Z");
    const third = ok(await requestFile(customer, fileId, "REQUEST_REANALYSIS", "And again, please."));
    expect(third.request.state).toBe("SUBMITTED");
    const requests = (await tab(customer, caseId)).files[0].requests.filter((r: any) => r.action === "REQUEST_REANALYSIS");
    expect(requests.map((r: any) => r.state)).toEqual(["REJECTED", "DONE", "SUBMITTED"]);
  });

  it("answers the retry of a request whose answer was lost after it committed with that request, not as a second one open (Idempotency-Key)", async () => {
    const { fileId } = await fileResult("INFECTION_ANALYSIS", "DANGEROUS");
    const send = () =>
      graph.request({
        query: `mutation($input: RequestFileActionInput!) { requestFileAction(input: $input) { request { id state comment } } }`,
        variables: { input: { fileAnalysisId: fileId, action: "REQUEST_VIRUS_INFO", comment: "Lost answer." } },
        token: customer,
        headers: { "idempotency-key": "lost-request" },
      });
    const first = ok(await send()).request;
    // The gateway that waited for it was killed: its record of the key expired unsettled, and the retry runs at the gateway.
    await graph.gateway.dataSource.getRepository(IdempotencyRecord).update({ key: "lost-request" }, { statusCode: null, body: null, expiresAt: new Date(Date.now() - 1_000) });
    expect(ok(await send()).request).toEqual(first);
    expect(await graph.threats.dataSource.getRepository(AnalysisRequestEntity).countBy({ subjectId: fileId, action: "REQUEST_VIRUS_INFO" })).toBe(1);
  });

  it("keeps one open request per action and result when customers ask concurrently", async () => {
    const { caseId, fileId } = await fileResult("INFECTION_ANALYSIS", "DANGEROUS");
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => requestFile(i % 2 ? partner : customer, fileId, "REQUEST_PATTERN_FILE", `attempt ${i}`)));
    const accepted = responses.filter((r) => !r.errors);
    expect(accepted).toHaveLength(1);
    const winner = accepted[0]!.data!.requestFileAction.request.id;
    for (const refused of responses.filter((r) => r.errors)) expect(errorOf(refused)).toMatchObject({ code: "CONFLICT", requestId: winner });
    expect((await tab(engineer, caseId)).files[0].requests.map((r: any) => r.id)).toEqual([winner]);
  });

  it("lets one of two engineers answering at once win; the other is told the request is answered", async () => {
    const { caseId, fileId } = await fileResult("FALSE_POSITIVE_ANALYSIS", "DANGEROUS");
    const { id } = ok(await requestFile(customer, fileId, "REPORT_FALSE_POSITIVE")).request;
    const responses = await Promise.all([
      answer(engineer, { requestId: id, state: "DONE", response: "Corrected.", outcome: { verdict: "NO_PROBLEM" } }),
      answer(secondEngineer, { requestId: id, state: "REJECTED", response: "It is malware." }),
    ]);
    expect(responses.filter((r) => !r.errors)).toHaveLength(1);
    expect(errorOf(responses.find((r) => r.errors)!)).toMatchObject({ code: "BAD_USER_INPUT", field: "requestId" });
    const file = (await tab(engineer, caseId)).files[0];
    const won = file.requests[0];
    expect(["DONE", "REJECTED"]).toContain(won.state);
    expect(file.verdictHistory).toHaveLength(won.state === "DONE" ? 2 : 1);
    expect((await activities(caseId)).filter((a) => a.kind === "REQUEST_ANSWERED")).toHaveLength(1);
  });
});
