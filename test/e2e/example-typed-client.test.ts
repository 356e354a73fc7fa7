import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generate } from "@graphql-codegen/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import codegenConfig from "../../examples/typed-client/codegen.js";
import { runOperationsCommand } from "../../gateway/operations/operations.cli.js";
import { PersistedOperationsService } from "../../gateway/operations/persisted-operations.service.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { REPO, serviceBuild } from "../support/service-build.js";

const run = promisify(execFile);
const MANIFEST = join(REPO, "examples", "typed-client", "gql", "persisted-documents.json");

async function runExample(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("examples/typed-client against a started graph that runs it persisted-only", () => {
  let graph: TestGraph;
  let script: string;
  let dir: string;
  let token: string;
  const caseNumbers: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "casegraph-typed-client-"));
    [graph, script] = await Promise.all([startGraph({ database: "sqlite", env: { PERSISTED_ONLY_CLIENTS: "casegraph-example" } }), serviceBuild().then((build) => join(build, "examples", "typed-client", "main.js"))]);
    token = await graph.tokenFor("customer@acme.example");
    for (const title of ["Agents offline after upgrade", "Console login fails"]) {
      const created = await graph.request({ query: CREATE_CASE, variables: { input: { ...productCase, title } }, token });
      caseNumbers.push(created.data!.createCase.case.caseNumber);
    }
  });
  afterAll(async () => {
    await graph?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("has its generated client up to date with operations.ts and the supergraph (npm run codegen:example)", async () => {
    const files = await generate({ ...codegenConfig, cwd: REPO, silent: true }, false);
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) expect(readFileSync(join(REPO, file.filename), "utf8"), file.filename).toBe(file.content);
  });

  it("is refused until its release is published: it sends hashes only", async () => {
    const result = await runExample(script, { GATEWAY_URL: graph.gatewayUrl, CASEGRAPH_TOKEN: token });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("PERSISTED_QUERY_NOT_FOUND");
  });

  it("lists the open cases, polls again for a 304, uploads a file with tus and attaches it, once its manifest is published with the CLI", async () => {
    const out: string[] = [];
    const published = await runOperationsCommand(["publish", MANIFEST, "--client", "casegraph-example", "--version", "1.0.0"], {
      operations: new PersistedOperationsService(graph.gateway.dataSource, { logger: createLogger("test", "silent") }),
      queryLimits: { maxLength: 100_000, maxTokens: 1_000 },
      output: { out: (line) => out.push(line), err: (line) => out.push(line) },
    });
    expect(published).toBe(0);
    expect(out).toEqual(["Published casegraph-example 1.0.0: 2 operations (2 new)"]);

    const file = join(dir, "agent-diagnostics.log");
    const data = randomBytes(3 * 1024 * 1024 + 5);
    writeFileSync(file, data);
    const result = await runExample(script, { GATEWAY_URL: graph.gatewayUrl, CASEGRAPH_TOKEN: token, UPLOAD_FILE: file });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    for (const number of caseNumbers) expect(result.stdout).toContain(number);
    expect(result.stdout).toContain("2 open cases");
    expect(result.stdout).toContain("polled again: unchanged (1 answered 304 Not Modified)");
    expect(result.stdout).toMatch(/uploaded agent-diagnostics\.log \(3145733 bytes\) as attachment \S+/);
    expect(result.stdout).toContain(`agent-diagnostics.log ATTACHED sha256=${createHash("sha256").update(data).digest("hex")}`);
  });
});
