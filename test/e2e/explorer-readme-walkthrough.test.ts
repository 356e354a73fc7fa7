import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoClient, loadDemoData } from "../../scripts/demo-data.js";
import { apiKeysOf } from "../support/api-keys.js";
import { startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";

const run = promisify(execFile);

/** The shell blocks of the README's "Walkthrough" section, in order. */
function walkthroughBlocks(): string[] {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf("## Walkthrough"), readme.indexOf("\n## ", readme.indexOf("## Walkthrough") + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/**
 * Runs the README's copy-paste commands with bash and curl against a started graph with the demo data,
 * as a reader would against `npm start` (only the address and the two credential commands differ).
 */
describe("the README walkthrough", () => {
  let graph: TestGraph;
  let workDir: string;
  let blocks: string[];

  async function shell(script: string): Promise<string> {
    const { stdout } = await run("bash", ["-c", `set -euo pipefail\n${script.replaceAll("http://localhost:4000", graph.origin)}`], { cwd: workDir, timeout: 20_000 });
    return stdout;
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), "casegraph-walkthrough-"));
    graph = await startGraph({ database: "sqlite" });
    await loadDemoData(demoClient(graph.gatewayUrl, TEST_JWT_SECRET), () => undefined);
    blocks = walkthroughBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });
  afterAll(async () => {
    await graph?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it("answers the query with a dev token and the same with the partner key", async () => {
    const token = await graph.tokenFor("customer@acme.example");
    const { key } = await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read"], label: "walkthrough" });
    const withToken = JSON.parse(await shell(blocks[0]!.replace("$(npm run -s token -- --user customer@acme.example)", token)));
    const withKey = JSON.parse(await shell(blocks[1]!.replace(/\$\(npm run -s apikey -- [^)]*\)/, key)));
    expect(withToken.data.cases.totalCount).toBeGreaterThan(0);
    expect(withKey.data.cases.totalCount).toBe(withToken.data.cases.totalCount);
    expect(withKey.data.cases.edges[0].node.caseNumber).toMatch(/^C-\d{4}-\d{6}$/);
  });

  it("posts the update, uploads the file and downloads it again", async () => {
    const token = await graph.tokenFor("customer@acme.example");
    const setup = `TOKEN=${token}\n`;
    // Step 3 sets CASE_ID; step 4's answer carries the download link that step 5 fetches.
    const script = `${setup}${blocks[2]}\necho\nUPLOAD=$(${blocks[3]})
echo "$UPLOAD"
URL=$(echo "$UPLOAD" | node -pe 'JSON.parse(require("fs").readFileSync(0)).data.uploadAttachments.attachments[0].downloadUrl')
mkdir -p downloads && cd downloads
${blocks[4]!.replace("<downloadUrl from step 4>", "$URL")}
cat agent.log`;
    const out = await shell(script);
    const [update, upload] = out
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    expect(update.data.addCaseUpdate.case.subStatus).toBe("CUSTOMER_UPDATED");
    expect(upload.data.uploadAttachments.attachments[0]).toMatchObject({ fileName: "agent.log", state: "STAGED" });
    expect(out.trimEnd().endsWith("agent 14.0 diagnostic log")).toBe(true);
  });
});
