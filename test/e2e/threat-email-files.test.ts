import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmailAnalysisEntity } from "../../subgraphs/threat-analysis/email-analysis/email-analysis.entity.js";
import { FileAnalysisEntity } from "../../subgraphs/threat-analysis/file-analysis/file-analysis.entity.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { errorOf, threatApi } from "../support/threat-api.js";
import { encryptedZip, upload } from "../support/uploads.js";

const SHA1_XLSM = "3f786850e387550fdab836ed7e6dc881de23001b";
const SHA1_PDF = "89e6c98d92887913cadf06b2adb97f26cde4849b";

const FILE_FIELDS = "id fileName sha1 verdict detectionName patternVersion analyzedAt attachment { id } email { id name } availableActions";
const RESULTS = `threatAnalysis {
  files { ${FILE_FIELDS} }
  emails { id name verdict analyzedAt attachment { id fileName } files { ${FILE_FIELDS} } }
  attk { id fileName collected analyzedAt availableActions }
}`;
const CASE_RESULTS = `query($id: ID!) { case(id: $id) { id ${RESULTS} history(first: 20) { edges { node { field oldValue newValue comment actor { role } } } } } }`;

/**
 * docs/domain.md, "E-mails, their files and ATTK logs": customers submit e-mail messages (.eml files) and
 * ATTK collections inside the encrypted ZIPs threat cases take, engineers record the files attached to
 * an e-mail, and each such file is listed under its e-mail and points back at it.
 */
describe.each(DATABASES)("e-mails, their attached files and ATTK logs on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof threatApi>;
  let customer: string;
  let globex: string;
  let engineer: string;

  const submit = (token: string, input: Record<string, unknown>) => graph.request({ query: `mutation($input: SubmitForAnalysisInput!) { submitForAnalysis(input: $input) { ${RESULTS} } }`, variables: { input }, token });
  const recordEmailFile = (token: string, input: Record<string, unknown>) =>
    graph.request({ query: `mutation($input: RecordEmailFileInput!) { recordEmailFile(input: $input) { ${RESULTS} } }`, variables: { input }, token });

  async function read(caseId: string, token = engineer) {
    const response = await graph.request({ query: CASE_RESULTS, variables: { id: caseId }, token });
    expect(response.errors).toBeUndefined();
    return response.data!.case;
  }

  /** Uploads a ZIP encrypted with "virus" holding `entries` to the case, as a client does; returns its attachment id. */
  async function uploadArchive(caseId: string, fileName: string, entries: string[], token = customer): Promise<string> {
    const data = await encryptedZip("virus", { entries: Object.fromEntries(entries.map((name) => [name, Buffer.from(`stand-in for ${name}\n`)])) });
    const uploaded = await upload(graph, { token, input: { caseId }, files: [{ name: fileName, type: "application/zip", data }] });
    expect(uploaded.errors).toBeUndefined();
    const id = uploaded.data!.uploadAttachments.attachments[0].id as string;
    // Only a file that is part of the case is analysed: an update with no text sends it.
    const sent = await graph.request({ query: `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }`, variables: { input: { caseId, attachmentIds: [id] } }, token });
    expect(sent.errors).toBeUndefined();
    return id;
  }

  async function emailCase(): Promise<{ caseId: string; archiveId: string }> {
    const caseId = await api.createThreatCase(customer, "EMAIL_ANALYSIS");
    const archiveId = await uploadArchive(caseId, "suspicious-mails.zip", ["mails/Invoice 2026-0113.eml", "mails/Payment REMINDER.EML", "mails/readme.txt"]);
    const submitted = await submit(customer, { caseId, emails: [archiveId] });
    expect(submitted.errors).toBeUndefined();
    return { caseId, archiveId };
  }

  beforeAll(async () => {
    graph = await startGraph({ database });
    api = threatApi(graph);
    customer = await graph.tokenFor("customer@acme.example");
    globex = await graph.tokenFor("customer@globex.example");
    engineer = await graph.tokenFor("engineer@support.example");
  });
  afterAll(() => graph?.stop());

  it("turns each .eml message of a submitted archive into an e-mail result, ANALYZING, once however often it is submitted", async () => {
    const { caseId, archiveId } = await emailCase();
    const { threatAnalysis } = await read(caseId, customer);
    expect(threatAnalysis.emails).toEqual([
      { id: expect.any(String), name: "mails/Invoice 2026-0113.eml", verdict: "ANALYZING", analyzedAt: null, attachment: { id: archiveId, fileName: "suspicious-mails.zip" }, files: [] },
      { id: expect.any(String), name: "mails/Payment REMINDER.EML", verdict: "ANALYZING", analyzedAt: null, attachment: { id: archiveId, fileName: "suspicious-mails.zip" }, files: [] },
    ]);
    // The archive itself is not a file result: it was submitted as e-mails.
    expect(threatAnalysis.files).toEqual([]);

    const again = await submit(customer, { caseId, emails: [archiveId, archiveId] });
    expect(again.errors).toBeUndefined();
    expect(again.data!.submitForAnalysis.threatAnalysis.emails.map((e: any) => e.id)).toEqual(threatAnalysis.emails.map((e: any) => e.id));

    // The case's history shows the submission (ANALYSIS_SUBMITTED through the case-activity outbox).
    const submittedEvents = (await read(caseId)).history.edges.map((edge: any) => edge.node).filter((event: any) => event.field === "analysis");
    expect(submittedEvents).toEqual([expect.objectContaining({ newValue: "mails/Invoice 2026-0113.eml, mails/Payment REMINDER.EML", actor: { role: "CUSTOMER" } })]);
  });

  it("records the files attached to an e-mail: listed under the e-mail and with the case's files, each pointing back at its e-mail", async () => {
    const { caseId } = await emailCase();
    const invoice = "mails/Invoice 2026-0113.eml";
    const recorded = await recordEmailFile(engineer, {
      caseId,
      emailName: invoice,
      fileName: "invoice.xlsm",
      sha1: SHA1_XLSM.toUpperCase(),
      verdict: "DANGEROUS",
      detectionName: "Trojan.X97M.DEMO.A",
      patternVersion: "19.845.00",
    });
    expect(recorded.errors).toBeUndefined();
    await recordEmailFile(engineer, { caseId, emailName: invoice, fileName: "terms.pdf", sha1: SHA1_PDF, verdict: "NO_PROBLEM", patternVersion: "19.845.00" });
    await api.recordEmailVerdict(engineer, { caseId, name: invoice, verdict: "SPAM" });

    const { threatAnalysis } = await read(caseId, customer);
    const email = threatAnalysis.emails.find((e: any) => e.name === invoice);
    expect(email.verdict).toBe("SPAM");
    expect(email.files.map((f: any) => [f.fileName, f.sha1, f.verdict, f.detectionName])).toEqual([
      ["invoice.xlsm", SHA1_XLSM, "DANGEROUS", "Trojan.X97M.DEMO.A"],
      ["terms.pdf", SHA1_PDF, "NO_PROBLEM", null],
    ]);
    expect(threatAnalysis.files).toEqual(email.files);
    for (const file of threatAnalysis.files) expect(file).toMatchObject({ attachment: null, email: { id: email.id, name: invoice }, analyzedAt: expect.any(String) });
    // A file of an e-mail is a file result like any other: the customer may request what the action matrix offers (EMAIL_ANALYSIS case).
    expect([...email.files[0].availableActions].sort()).toEqual(["REPORT_FALSE_POSITIVE", "REQUEST_DETECTION_NAME", "REQUEST_PATTERN_FILE", "REQUEST_REANALYSIS"]);
    const requested = await api.requestFileAction(customer, { fileAnalysisId: email.files[0].id, action: "REPORT_FALSE_POSITIVE", comment: "Our own invoice template." });
    expect(requested.errors).toBeUndefined();
    expect(threatAnalysis.emails.find((e: any) => e.name !== invoice).files).toEqual([]);
    const events = (await read(caseId)).history.edges.map((edge: any) => edge.node);
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ field: "fileVerdict", oldValue: null, newValue: "DANGEROUS", comment: `invoice.xlsm (${invoice})`, actor: { role: "ENGINEER" } })]));
  });

  it("updates a file of an e-mail when it is recorded again under the same names, and changes nothing when nothing differs", async () => {
    const { caseId } = await emailCase();
    const input = { caseId, emailName: "mails/Payment REMINDER.EML", fileName: "remittance.html", sha1: SHA1_PDF, verdict: "ANALYZING" };
    await recordEmailFile(engineer, input);
    const first = (await read(caseId)).threatAnalysis.files;
    expect(first).toEqual([expect.objectContaining({ fileName: "remittance.html", verdict: "ANALYZING", analyzedAt: null, availableActions: [] })]);

    const again = await recordEmailFile(engineer, { ...input, verdict: "DANGEROUS", detectionName: "HTML_PHISH.DEMO" });
    expect(again.errors).toBeUndefined();
    const { files, emails } = again.data!.recordEmailFile.threatAnalysis;
    expect(files).toEqual([expect.objectContaining({ id: first[0].id, verdict: "DANGEROUS", detectionName: "HTML_PHISH.DEMO" })]);
    expect(emails.find((e: any) => e.name === input.emailName).files.map((f: any) => f.id)).toEqual([first[0].id]);

    const historyLength = async () => (await read(caseId)).history.edges.length;
    const before = await historyLength();
    expect((await recordEmailFile(engineer, { ...input, verdict: "DANGEROUS", detectionName: "HTML_PHISH.DEMO" })).errors).toBeUndefined();
    expect(await historyLength()).toBe(before);
  });

  it("refuses a file of an unknown e-mail, a malformed SHA-1, a detection name without DANGEROUS and callers other than engineers, storing nothing", async () => {
    const { caseId } = await emailCase();
    const valid = { caseId, emailName: "mails/Invoice 2026-0113.eml", fileName: "invoice.xlsm", sha1: SHA1_XLSM, verdict: "NO_PROBLEM" };
    const fileRows = () => graph.threats.dataSource.getRepository(FileAnalysisEntity).countBy({ caseId });
    const emailRows = () => graph.threats.dataSource.getRepository(EmailAnalysisEntity).countBy({ caseId });
    const before = { files: await fileRows(), emails: await emailRows() };

    expect(errorOf(await recordEmailFile(engineer, { ...valid, emailName: "Invoice 2026-0113.eml" }))).toMatchObject({ code: "BAD_USER_INPUT", field: "emailName" });
    expect(errorOf(await recordEmailFile(engineer, { ...valid, sha1: "not-a-sha1" }))).toMatchObject({ code: "BAD_USER_INPUT", field: "sha1" });
    expect(errorOf(await recordEmailFile(engineer, { ...valid, detectionName: "TROJ_X" }))).toMatchObject({ code: "BAD_USER_INPUT", field: "detectionName" });
    expect(errorOf(await recordEmailFile(engineer, { ...valid, fileName: "  " }))).toMatchObject({ code: "BAD_USER_INPUT", field: "fileName" });
    expect(errorOf(await recordEmailFile(customer, valid))).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(await recordEmailFile(engineer, { ...valid, caseId: "00000000-0000-0000-0000-000000000000" }))).toMatchObject({ code: "NOT_FOUND" });
    expect({ files: await fileRows(), emails: await emailRows() }).toEqual(before);
  });

  it("turns each file of a submitted ATTK archive into a collected ATTK row, until an engineer records it; files it missed are recorded from its log", async () => {
    const caseId = await api.createThreatCase(customer, "INFECTION_ANALYSIS");
    const attkId = await uploadArchive(caseId, "attk-output.zip", ["ATTK_Output/ATTK_Log_20260302.log", "ATTK_Output/Quarantine/svch0st.exe"]);
    const submitted = await submit(customer, { caseId, attkLogs: [attkId] });
    expect(submitted.errors).toBeUndefined();
    expect(submitted.data!.submitForAnalysis.threatAnalysis.attk).toEqual([
      { id: expect.any(String), fileName: "ATTK_Output/ATTK_Log_20260302.log", collected: true, analyzedAt: null, availableActions: ["REQUEST_LOG_REANALYSIS", "COLLECT_MORE_FILES"] },
      { id: expect.any(String), fileName: "ATTK_Output/Quarantine/svch0st.exe", collected: true, analyzedAt: null, availableActions: ["REQUEST_LOG_REANALYSIS", "COLLECT_MORE_FILES"] },
    ]);
    await api.recordAttkFile(engineer, { caseId, fileName: "ATTK_Output/Quarantine/svch0st.exe", collected: true });
    await api.recordAttkFile(engineer, { caseId, fileName: "C:\\ProgramData\\loader.dll", collected: false });
    const again = await submit(customer, { caseId, attkLogs: [attkId] });
    const attk = again.data!.submitForAnalysis.threatAnalysis.attk;
    expect(attk.map((a: any) => [a.fileName, a.collected, a.analyzedAt !== null])).toEqual([
      ["ATTK_Output/ATTK_Log_20260302.log", true, false],
      ["ATTK_Output/Quarantine/svch0st.exe", true, true],
      ["C:\\ProgramData\\loader.dll", false, true],
    ]);
  });

  it("takes files, URLs, e-mails and ATTK logs in one submission, and refuses it whole when one archive holds nothing of its kind or is another case's", async () => {
    const caseId = await api.createThreatCase(customer, "INFECTION_ANALYSIS");
    const sample = await api.uploadZip(customer, caseId, "sample.zip");
    const mails = await uploadArchive(caseId, "mails.zip", ["phish.eml"]);
    const attk = await uploadArchive(caseId, "attk.zip", ["ATTK_Log.txt"]);
    const noMail = await uploadArchive(caseId, "not-mail.zip", ["phish.msg", "notes.txt"]);
    const otherCase = await api.createThreatCase(customer, "EMAIL_ANALYSIS");
    const elsewhere = await uploadArchive(otherCase, "elsewhere.zip", ["other.eml"]);
    const globexCase = await api.createThreatCase(globex, "EMAIL_ANALYSIS", { productProfileId: "globex-server" });
    const globexMails = await uploadArchive(globexCase, "globex.zip", ["globex.eml"], globex);

    const refusals: [Record<string, unknown>, string][] = [
      [{ emails: [mails, noMail] }, "emails"],
      [{ emails: [elsewhere] }, "emails"],
      [{ emails: [globexMails] }, "emails"],
      [{ attkLogs: [elsewhere] }, "attkLogs"],
      [{ attkLogs: ["not an id at all, much longer than thirty-six characters"] }, "attkLogs"],
    ];
    for (const [lists, field] of refusals) {
      const refused = await submit(customer, { caseId, attachmentIds: [sample.id], urls: ["https://phish.example/login"], ...lists });
      expect(errorOf(refused), JSON.stringify(lists)).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    expect(await read(caseId)).toMatchObject({ threatAnalysis: { files: [], emails: [], attk: [] } });

    const all = await submit(customer, { caseId, attachmentIds: [sample.id], urls: ["https://phish.example/login"], emails: [mails], attkLogs: [attk] });
    expect(all.errors).toBeUndefined();
    const results = all.data!.submitForAnalysis.threatAnalysis;
    expect(results.files.map((f: any) => [f.fileName, f.verdict])).toEqual([["sample.zip", "ANALYZING"]]);
    expect(results.emails.map((e: any) => [e.name, e.verdict])).toEqual([["phish.eml", "ANALYZING"]]);
    expect(results.attk.map((a: any) => [a.fileName, a.collected])).toEqual([["ATTK_Log.txt", true]]);
    expect(errorOf(await submit(customer, { caseId }))).toMatchObject({ code: "BAD_USER_INPUT" });
  });
});
