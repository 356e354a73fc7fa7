import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";
import { signDevToken } from "../gateway/auth/bearer-token.js";
import { demoUser } from "../gateway/auth/demo-users.js";
import { DEMO_CASES, type DemoFile, type DemoStep, ENGINEER } from "./demo-story.js";

export { DEMO_CASES } from "./demo-story.js";

/** One GraphQL request as a demo user, answering its `data` (of the shape the caller names); with `files`, a multipart upload filling `variables.input.files`. */
type Call = <Data>(email: string, query: string, variables?: Record<string, unknown>, files?: UploadFile[]) => Promise<Data>;

interface UploadFile {
  name: string;
  bytes: Uint8Array;
}

/** A GraphQL client for the demo users, signing their tokens with `jwtSecret`. */
export function demoClient(gatewayUrl: string, jwtSecret: string): Call {
  const tokens = new Map<string, Promise<string>>();
  return async <Data>(email: string, query: string, variables: Record<string, unknown> = {}, files?: UploadFile[]): Promise<Data> => {
    if (!tokens.has(email)) tokens.set(email, signDevToken(demoUser(email)!, jwtSecret));
    const authorization = `Bearer ${await tokens.get(email)}`;
    const response = files
      ? await fetch(gatewayUrl, { method: "POST", headers: { authorization, "apollo-require-preflight": "true" }, body: multipartBody(query, variables, files) })
      : await fetch(gatewayUrl, { method: "POST", headers: { "content-type": "application/json", authorization }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data: Data; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`${body.errors.map((e) => e.message).join("; ")} (in ${query.slice(0, 60)}...)`);
    return body.data;
  };
}

/** A GraphQL multipart request (the spec graphql-upload reads): the files go to `variables.input.files`. */
function multipartBody(query: string, variables: Record<string, unknown>, files: UploadFile[]): FormData {
  const form = new FormData();
  const input = variables.input as Record<string, unknown> | undefined;
  form.set("operations", JSON.stringify({ query, variables: { ...variables, input: { ...input, files: files.map(() => null) } } }));
  form.set("map", JSON.stringify(Object.fromEntries(files.map((_, index) => [String(index), [`variables.input.files.${index}`]]))));
  files.forEach((file, index) => form.set(String(index), new Blob([file.bytes]), file.name));
  return form;
}

/** Threat cases take files only as ZIPs encrypted with the password `virus`: `x.exe` travels as `x.zip`. */
async function asUpload(file: DemoFile, threatCase: boolean): Promise<UploadFile> {
  const bytes = new TextEncoder().encode(file.content);
  if (!threatCase) return { name: file.name, bytes };
  const zip = new ZipWriter(new Uint8ArrayWriter(), { useWebWorkers: false });
  await zip.add(file.name, new Uint8ArrayReader(bytes), { password: "virus", useWebWorkers: false });
  return { name: `${file.name.replace(/\.[^.]*$/, "")}.zip`, bytes: await zip.close() };
}

/** The id of a threat result of the case, found by its file name. */
async function resultId(call: Call, as: string, caseId: string, kind: "files" | "attk", fileName: string): Promise<string> {
  type Results = Record<typeof kind, { id: string; fileName: string }[]>;
  const found = await call<{ case: { threatAnalysis: Results } }>(as, `query($id: ID!) { case(id: $id) { threatAnalysis { ${kind} { id fileName } } } }`, { id: caseId });
  const result = found.case.threatAnalysis[kind].find((r) => r.fileName === fileName);
  if (!result) throw new Error(`no ${kind} result ${fileName} on case ${caseId}`);
  return result.id;
}

/** The id of the open (SUBMITTED or IN_PROGRESS) request for `action` on a file or ATTK result of the case, found by its file name. */
async function openRequestId(call: Call, caseId: string, on: { file?: string; attk?: string }, action: string): Promise<string> {
  const [kind, fileName] = on.file ? (["files", on.file] as const) : (["attk", on.attk!] as const);
  type Results = Record<typeof kind, { fileName: string; requests: { id: string; action: string; state: string }[] }[]>;
  const found = await call<{ case: { threatAnalysis: Results } }>(ENGINEER, `query($id: ID!) { case(id: $id) { threatAnalysis { ${kind} { fileName requests { id action state } } } } }`, { id: caseId });
  const result = found.case.threatAnalysis[kind].find((r) => r.fileName === fileName);
  const open = result?.requests.find((r) => r.action === action && (r.state === "SUBMITTED" || r.state === "IN_PROGRESS"));
  if (!open) throw new Error(`no open ${action} request on ${fileName} of case ${caseId}`);
  return open.id;
}

/** The ids of the case's attachments with these file names. */
async function attachmentIds(call: Call, as: string, caseId: string, fileNames: string[]): Promise<string[]> {
  type Edges = { node: { id: string; fileName: string } }[];
  const found = await call<{ case: { attachments: { edges: Edges } } }>(as, "query($id: ID!) { case(id: $id) { attachments(first: 50) { edges { node { id fileName } } } } }", { id: caseId });
  const edges = found.case.attachments.edges;
  return fileNames.map((name) => {
    const edge = edges.find((e) => e.node.fileName === name);
    if (!edge) throw new Error(`no attachment ${name} on case ${caseId}`);
    return edge.node.id;
  });
}

/** Runs one step of a case's story through the gateway, as the user the step names. */
async function runStep(call: Call, demoCase: { id: string; threat: boolean }, step: DemoStep): Promise<void> {
  const caseId = demoCase.id;
  // Every mutation takes one `input` of type <Name>Input (the contract's convention).
  const mutate = (as: string, name: string, input: Record<string, unknown>, selection: string) =>
    call<unknown>(as, `mutation($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { ${selection} } }`, { input });
  if ("subStatus" in step) {
    await mutate(ENGINEER, "setCaseSubStatus", { caseId, ...step }, "case { id }");
  } else if ("update" in step) {
    let staged: string[] = [];
    if (step.files) {
      const uploads = await Promise.all(step.files.map((file) => asUpload(file, demoCase.threat)));
      const uploaded = await call<{ uploadAttachments: { attachments: { id: string }[] } }>(
        step.by,
        "mutation($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { id } } }",
        { input: { caseId } },
        uploads,
      );
      staged = uploaded.uploadAttachments.attachments.map((a) => a.id);
    }
    await mutate(step.by, "addCaseUpdate", { caseId, body: step.update, requestReopen: step.reopen ?? null, attachmentIds: staged }, "update { id }");
  } else if ("close" in step) {
    await mutate(step.close, "closeCase", { caseId }, "case { id }");
  } else if ("submit" in step) {
    const ids = await attachmentIds(call, step.by, caseId, step.submit.files ?? []);
    const emails = await attachmentIds(call, step.by, caseId, step.submit.emails ?? []);
    const attkLogs = await attachmentIds(call, step.by, caseId, step.submit.attkLogs ?? []);
    await mutate(step.by, "submitForAnalysis", { caseId, attachmentIds: ids, urls: step.submit.urls ?? [], emails, attkLogs }, "threatAnalysis { files { id } }");
  } else if ("fileVerdict" in step) {
    const fileAnalysisId = await resultId(call, ENGINEER, caseId, "files", step.fileVerdict);
    await mutate(ENGINEER, "recordFileVerdict", { fileAnalysisId, verdict: step.verdict, detectionName: step.detectionName ?? null, patternVersion: step.patternVersion ?? null }, "threatAnalysis { files { id } }");
  } else if ("urlRating" in step) {
    await mutate(ENGINEER, "recordUrlRating", { caseId, url: step.urlRating, rating: step.rating, category: step.category ?? null }, "threatAnalysis { urls { id } }");
  } else if ("emailVerdict" in step) {
    await mutate(ENGINEER, "recordEmailVerdict", { caseId, name: step.emailVerdict, verdict: step.verdict }, "threatAnalysis { emails { id } }");
  } else if ("emailFile" in step) {
    const { emailFile, fileName, sha1, verdict, detectionName, patternVersion } = step;
    await mutate(ENGINEER, "recordEmailFile", { caseId, emailName: emailFile, fileName, sha1, verdict, detectionName: detectionName ?? null, patternVersion: patternVersion ?? null }, "threatAnalysis { files { id } }");
  } else if ("attkFile" in step) {
    await mutate(ENGINEER, "recordAttkFile", { caseId, fileName: step.attkFile, collected: step.collected }, "threatAnalysis { attk { id } }");
  } else if ("startRequest" in step) {
    const requestId = await openRequestId(call, caseId, step.startRequest, step.action);
    await mutate(ENGINEER, "startAnalysisRequest", { requestId }, "request { id }");
  } else if ("answerRequest" in step) {
    const requestId = await openRequestId(call, caseId, step.answerRequest, step.action);
    await mutate(ENGINEER, "answerAnalysisRequest", { requestId, state: step.state, response: step.response, outcome: step.outcome ?? null }, "request { id }");
  } else if (step.request.file) {
    const fileAnalysisId = await resultId(call, step.by, caseId, "files", step.request.file);
    await mutate(step.by, "requestFileAction", { fileAnalysisId, action: step.action, comment: step.comment ?? null }, "request { id }");
  } else {
    const attkCollectionId = await resultId(call, step.by, caseId, "attk", step.request.attk!);
    await mutate(step.by, "requestAttkAction", { attkCollectionId, action: step.action, comment: step.comment ?? null }, "request { id }");
  }
}

/** Loads the demo story through the gateway, unless there are cases already. Returns the number of cases created. */
export async function loadDemoData(call: Call, log: (line: string) => void = console.log): Promise<number> {
  const existing = await call<{ cases: { totalCount: number } }>(ENGINEER, "{ cases(first: 1) { totalCount } }");
  if (existing.cases.totalCount > 0) return 0;
  for (const [index, demo] of DEMO_CASES.entries()) {
    const created = await call<{ createCase: { case: { id: string; caseNumber: string } } }>(demo.as, "mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id caseNumber } } }", { input: demo.input });
    const { id, caseNumber } = created.createCase.case;
    for (const step of demo.steps ?? []) await runStep(call, { id, threat: demo.input.inquiryType === "THREAT" }, step);
    log(`  demo case ${index + 1}/${DEMO_CASES.length}: ${caseNumber} ${String(demo.input.title)}`);
  }
  return DEMO_CASES.length;
}
