import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoClient, loadDemoData } from "../../scripts/demo-data.js";
import { apiKeysOf } from "../support/api-keys.js";
import { startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";
import { serviceBuild } from "../support/service-build.js";

const run = promisify(execFile);
const CASE_NUMBER = /\bC-\d{4}-\d{6}\b/g;

/** The example as `npm run build` compiles it (the tests' shared tsc build), so the test runs the JavaScript a partner would run, with node. */
async function compiledExample(): Promise<string> {
  return join(await serviceBuild(), "examples", "partner-integration.js");
}

async function runExample(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { PATH: process.env.PATH ?? "" };
  try {
    const { stdout, stderr } = await run(process.execPath, [script], { env: { ...base, ...env }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("examples/partner-integration.ts against a started graph", () => {
  let graph: TestGraph;
  let script: string;

  beforeAll(async () => {
    [graph, script] = await Promise.all([startGraph({ database: "sqlite" }), compiledExample()]);
    await loadDemoData(demoClient(graph.gatewayUrl, TEST_JWT_SECRET), () => undefined);
  });
  afterAll(() => graph?.stop());

  it("prints the number of every case the partner may see, following the pages to the end", async () => {
    const engineer = await graph.tokenFor("engineer@support.example");
    const all = await graph.request<any>({ query: "{ cases(first: 100) { edges { node { caseNumber organization { id } } } } }", token: engineer });
    const acme = all.data!.cases.edges.filter((e: any) => e.node.organization.id === "acme").map((e: any) => e.node.caseNumber);
    const globex = all.data!.cases.edges.filter((e: any) => e.node.organization.id === "globex").map((e: any) => e.node.caseNumber);
    expect(acme.length).toBeGreaterThan(3);
    expect(globex.length).toBeGreaterThan(0);

    // initech manages acme only; a page of 3 makes the script follow several cursors.
    const { key } = await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read"], label: "example test" });
    const result = await runExample(script, { GATEWAY_URL: graph.gatewayUrl, CASEGRAPH_API_KEY: key, PAGE_SIZE: "3" });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const printed = result.stdout.match(CASE_NUMBER) ?? [];
    expect([...printed].sort()).toEqual([...acme].sort());
    expect(result.stdout).toContain(`${acme.length} cases`);
  });

  it("accepts a bearer token of partner staff instead of a key", async () => {
    const result = await runExample(script, { GATEWAY_URL: graph.gatewayUrl, CASEGRAPH_TOKEN: await graph.tokenFor("staff@initech.example") });
    expect(result.code).toBe(0);
    expect(result.stdout.match(CASE_NUMBER)?.length).toBeGreaterThan(3);
  });

  it("stops with a message naming the variables when no credential is given", async () => {
    const result = await runExample(script, { GATEWAY_URL: graph.gatewayUrl });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("CASEGRAPH_API_KEY");
    expect(result.stdout).toBe("");
  });

  it("reports the gateway's UNAUTHENTICATED code for a credential that does not verify", async () => {
    const result = await runExample(script, { GATEWAY_URL: graph.gatewayUrl, CASEGRAPH_TOKEN: "not-a-token" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HTTP 401: UNAUTHENTICATED");
  });
});
