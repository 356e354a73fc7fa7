import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayConfig } from "../../gateway/config.js";
import { createGateway, type Gateway } from "../../gateway/gateway.js";
import { caseApi } from "../support/case-api.js";
import { threatCase } from "../support/fixtures.js";
import { postGraphQL, startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";
import { TEST_KEY_ENV } from "../support/identity-keys.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

/** Fault tolerance: one subgraph down; the others' data still arrives and the gateway recovers by itself. */
describe("a subgraph goes down and comes back", () => {
  let graph: TestGraph;
  let proxy: TcpProxy;
  let gateway: Gateway;
  let url: string;
  let token: string;
  let caseId: string;

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite" });
    const threats = new URL(graph.urls["threat-analysis"]);
    proxy = await startTcpProxy(threats.hostname, Number(threats.port));
    gateway = await createGateway(
      gatewayConfig({
        NODE_ENV: "test",
        LOG_LEVEL: "silent",
        DATA_DIR: graph.dataDir,
        ...TEST_KEY_ENV,
        JWT_SECRET: TEST_JWT_SECRET,
        CASES_URL: graph.urls.cases,
        ATTACHMENTS_URL: graph.urls.attachments,
        THREATS_URL: `http://127.0.0.1:${proxy.port}/graphql`,
      }),
    );
    url = await gateway.listen(0);
    token = await graph.tokenFor("customer@acme.example");
    caseId = (await caseApi(graph).create(token, threatCase)).data!.createCase.case.id;
  });
  afterAll(async () => {
    await gateway?.stop();
    await proxy?.close();
    await graph?.stop();
  });

  const query = (id: string) =>
    postGraphQL<any>(url, { query: "query($id: ID!) { case(id: $id) { caseNumber attachments { totalCount } threatAnalysis { files { id } } } }", variables: { id } }, { authorization: `Bearer ${token}` });

  it("returns the other subgraphs' data with an error naming the missing service, then recovers", async () => {
    expect((await query(caseId)).data.case.threatAnalysis).toEqual({ files: [] });

    await proxy.cut();
    const down = await query(caseId);
    expect(down.status).toBe(200);
    expect(down.data.case.caseNumber).toMatch(/^C-/);
    expect(down.data.case.attachments.totalCount).toBe(0);
    expect(down.data.case.threatAnalysis).toBeNull();
    expect(down.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(down.errors)).toContain("threat-analysis");
    expect(JSON.stringify(down.errors)).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}\//);
    expect((await fetch(url.replace(/\/graphql$/, "/health"))).status).toBe(200);

    await proxy.restore();
    const back = await query(caseId);
    expect(back.errors).toBeUndefined();
    expect(back.data.case.threatAnalysis).toEqual({ files: [] });
  });
});
