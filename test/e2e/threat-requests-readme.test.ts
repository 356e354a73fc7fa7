import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGraph, type TestGraph } from "../support/graph.js";
import { threatApi } from "../support/threat-api.js";

const run = promisify(execFile);

/** The README walkthrough's shell block in which an engineer answers a request. */
function answeringBlock(): string {
  const readme = readFileSync("README.md", "utf8");
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!).find((text) => text.includes("answerAnalysisRequest"));
  if (!block) throw new Error("README.md shows no engineer answering a request");
  return block;
}

/** Runs the README's commands for answering a request with bash and curl, as a reader would against `npm start`. */
describe("the README's engineer answering a request", () => {
  let graph: TestGraph;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), "casegraph-requests-readme-"));
    graph = await startGraph({ database: "sqlite" });
  });
  afterAll(async () => {
    await graph?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it("finds the open pattern-file request in the queue, starts it and answers it DONE with the pattern version", async () => {
    // What the demo story has: a customer's pattern-file request on a DANGEROUS file, not yet started.
    const api = threatApi(graph);
    const [customer, engineer] = [await graph.tokenFor("customer@acme.example"), await graph.tokenFor("engineer@support.example")];
    const caseId = await api.createThreatCase(customer, "INFECTION_ANALYSIS");
    const upload = await api.uploadZip(customer, caseId, "svch0st.zip");
    const fileId = (await api.submit(customer, { caseId, attachmentIds: [upload.id] })).data!.submitForAnalysis.threatAnalysis.files[0].id;
    await api.recordFileVerdict(engineer, { fileAnalysisId: fileId, verdict: "DANGEROUS", detectionName: "Ransom.Win32.DEMOLOCK.A", patternVersion: "19.845.00" });
    expect((await api.requestFileAction(customer, { fileAnalysisId: fileId, action: "REQUEST_PATTERN_FILE" })).errors).toBeUndefined();

    const script = answeringBlock().replace("$(npm run -s token -- --user engineer@support.example)", engineer).replaceAll("http://localhost:4000", graph.origin);
    const { stdout } = await run("bash", ["-c", `set -euo pipefail\n${script}`], { cwd: workDir, timeout: 20_000 });
    const [started, answered] = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    expect(started).toEqual({ data: { startAnalysisRequest: { request: { state: "IN_PROGRESS", startedBy: { name: "Kenji Sato" } } } } });
    expect(answered.data.answerAnalysisRequest).toMatchObject({
      request: { state: "DONE", outcome: "Handled by pattern 19.851.00", respondedBy: { name: "Kenji Sato" } },
      fileAnalysis: { fileName: "svch0st.zip", officialPatternVersion: "19.851.00" },
    });
    expect((await api.analysisOf(customer, caseId)).files[0].requests[0]).toMatchObject({ state: "DONE" });
  });
});
