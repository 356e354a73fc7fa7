import { CREATE_CASE, threatCase } from "./fixtures.js";
import type { GraphQLResponse, TestGraph } from "./graph.js";
import { encryptedZip, sha1, upload } from "./uploads.js";

export const REQUEST_FIELDS = "id action comment state requestedBy { id name role } requestedAt";
export const THREAT_ANALYSIS_FIELDS = `
  files { id fileName sha1 verdict detectionName patternVersion analyzedAt attachment { id fileName } availableActions requests { ${REQUEST_FIELDS} } }
  urls { id url category rating analyzedAt }
  emails { id name verdict analyzedAt }
  attk { id fileName collected analyzedAt availableActions requests { ${REQUEST_FIELDS} } }`;

/** The threat-analysis mutations and reads as a client sends them, returning raw responses. */
export function threatApi(graph: TestGraph) {
  const mutate = (name: string, inputType: string, selection: string) => (token: string, input: Record<string, unknown>) =>
    graph.request({ query: `mutation($input: ${inputType}!) { ${name}(input: $input) { ${selection} } }`, variables: { input }, token });
  const results = `threatAnalysis { ${THREAT_ANALYSIS_FIELDS} }`;
  return {
    submit: mutate("submitForAnalysis", "SubmitForAnalysisInput", results),
    requestFileAction: mutate("requestFileAction", "RequestFileActionInput", `request { ${REQUEST_FIELDS} }`),
    requestAttkAction: mutate("requestAttkAction", "RequestAttkActionInput", `request { ${REQUEST_FIELDS} }`),
    recordFileVerdict: mutate("recordFileVerdict", "RecordFileVerdictInput", results),
    recordUrlRating: mutate("recordUrlRating", "RecordUrlRatingInput", results),
    recordEmailVerdict: mutate("recordEmailVerdict", "RecordEmailVerdictInput", results),
    recordAttkFile: mutate("recordAttkFile", "RecordAttkFileInput", results),

    /** The case's threat analysis tab as `token` sees it; `undefined` when the case is not visible. */
    async analysisOf(token: string, caseId: string): Promise<any> {
      const response = await graph.request({ query: `query($id: ID!) { case(id: $id) { id threatAnalysis { ${THREAT_ANALYSIS_FIELDS} } } }`, variables: { id: caseId }, token });
      if (response.errors) throw new Error(JSON.stringify(response.errors));
      return response.data!.case?.threatAnalysis ?? (response.data!.case === null ? undefined : null);
    },

    async createThreatCase(token: string, threatCategory = "INFECTION_ANALYSIS", input: Record<string, unknown> = {}): Promise<string> {
      const created = await graph.request({ query: CREATE_CASE, variables: { input: { ...threatCase, threatCategory, ...input } }, token });
      if (created.errors) throw new Error(JSON.stringify(created.errors));
      return created.data!.createCase.case.id;
    },

    /**
     * Uploads a ZIP encrypted with the password "virus" (as threat cases require) to the case through
     * the gateway, as a real multipart request, and sends it with a case update carrying no text (as
     * the portal's "drop the file, press Update"), so that it is part of the case and can be analysed.
     */
    async uploadZip(token: string, caseId: string, fileName = "sample.zip"): Promise<{ id: string; fileName: string; sha1: string }> {
      const staged = await this.stageZip(token, caseId, fileName);
      const sent = await graph.request({ query: `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }`, variables: { input: { caseId, attachmentIds: [staged.id] } }, token });
      if (sent.errors) throw new Error(JSON.stringify(sent.errors));
      return staged;
    },

    /** Uploads the encrypted ZIP only: the file stays STAGED, its uploader's alone, until an update sends it. */
    async stageZip(token: string, caseId: string, fileName = "sample.zip"): Promise<{ id: string; fileName: string; sha1: string }> {
      const data = await encryptedZip("virus", { entries: { "sample.exe": Buffer.from(`not really malware: ${fileName}`) } });
      const uploaded = await upload(graph, { token, input: { caseId }, files: [{ name: fileName, type: "application/zip", data }] });
      if (uploaded.errors) throw new Error(JSON.stringify(uploaded.errors));
      const [attachment] = uploaded.data!.uploadAttachments.attachments;
      if (attachment.sha1 !== sha1(data) || attachment.state !== "STAGED") throw new Error(`unexpected upload answer ${JSON.stringify(attachment)}`);
      return { id: attachment.id, fileName: attachment.fileName, sha1: attachment.sha1 };
    },
  };
}

/** The first error's code, or undefined. */
export function errorCode(response: GraphQLResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}

/** The first error's extensions; fails loudly when the call succeeded. */
export function errorOf(response: GraphQLResponse): Record<string, any> {
  if (!response.errors?.length) throw new Error(`expected an error, got ${JSON.stringify(response.data)}`);
  return response.errors[0]!.extensions ?? {};
}
