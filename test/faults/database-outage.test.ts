import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { threatApi } from "../support/threat-api.js";
import { randomFile, upload } from "../support/uploads.js";

const LIST = "{ cases(first: 5) { totalCount } }";

/** Fault tolerance: the cases database goes away and comes back; no service is restarted. */
describe.runIf(DATABASES.includes("mysql"))("a database outage on MySQL", () => {
  let graph: TestGraph;
  let proxy: TcpProxy;
  let token: string;
  const ready = async () => (await fetch(graph.urls.cases.replace(/\/graphql$/, "/ready"))).status;

  beforeAll(async () => {
    proxy = await startTcpProxy("127.0.0.1", 3306);
    graph = await startGraph({
      database: "mysql",
      // Only the cases subgraph reaches its database through the proxy.
      rewriteEnv: (env) => ({ ...env, CASES_DATABASE_URL: env.CASES_DATABASE_URL!.replace(/@[^/]+\//, `@127.0.0.1:${proxy.port}/`) }),
    });
    token = await graph.tokenFor("customer@acme.example");
  });
  afterAll(async () => {
    await proxy?.restore();
    await graph?.stop();
    await proxy?.close();
  });

  it("fails fast with SERVICE_UNAVAILABLE during the outage, reports it on /ready, and recovers by itself", async () => {
    expect((await graph.request({ query: LIST, token })).errors).toBeUndefined();
    expect(await ready()).toBe(200);

    await proxy.cut();
    const during = await graph.request({ query: LIST, token });
    expect(during.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
    expect(during.errors?.[0]?.message).toMatch(/database/i);
    expect(JSON.stringify(during)).not.toMatch(/127\.0\.0\.1|3306|ECONN/);
    expect(await ready()).toBe(503);

    await proxy.restore();
    let recovered = false;
    for (let attempt = 0; attempt < 20 && !recovered; attempt++) {
      recovered = (await graph.request({ query: LIST, token })).errors === undefined;
      if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recovered).toBe(true);
    expect(await ready()).toBe(200);
  });

  // The attachments subgraph asks the cases subgraph whether the case exists; a failed read there said "no" (found by the topology soak).
  it("answers an upload during the outage SERVICE_UNAVAILABLE, to be retried, not NOT_FOUND for a case that exists", async () => {
    const caseId = (await caseApi(graph).create(token)).data!.createCase.case.id as string;
    await proxy.cut();
    try {
      const during = await upload(graph, { token, input: { caseId }, files: [{ name: "logs.txt", type: "text/plain", data: randomFile(1_024) }] });
      expect(during.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
    } finally {
      await proxy.restore();
    }
  });

  it("survives the database killing the pool's connections (MariaDB KILL)", async () => {
    const [{ database }] = await graph.cases.dataSource.query("SELECT DATABASE() AS `database`");
    const admin = graph.attachments.dataSource; // another pool, on the same server
    const connections: { Id: number }[] = await admin.query("SELECT ID AS Id FROM information_schema.PROCESSLIST WHERE DB = ?", [database]);
    expect(connections.length).toBeGreaterThan(0);
    for (const { Id } of connections) await admin.query(`KILL ${Number(Id)}`);
    let answered = 0;
    for (let attempt = 0; attempt < 10 && answered < 3; attempt++) {
      const response = await graph.request({ query: LIST, token });
      if (response.errors === undefined) answered++;
      else expect(response.errors[0]!.extensions!.code).toBe("SERVICE_UNAVAILABLE");
    }
    expect(answered).toBe(3);
  });
});

/** The attachments database goes away while the threat-analysis subgraph asks about a case's files. */
describe.runIf(DATABASES.includes("mysql"))("an attachments database outage on MySQL", () => {
  let graph: TestGraph;
  let proxy: TcpProxy;
  let token: string;

  beforeAll(async () => {
    proxy = await startTcpProxy("127.0.0.1", 3306);
    graph = await startGraph({
      database: "mysql",
      rewriteEnv: (env) => ({ ...env, ATTACHMENTS_DATABASE_URL: env.ATTACHMENTS_DATABASE_URL!.replace(/@[^/]+\//, `@127.0.0.1:${proxy.port}/`) }),
    });
    token = await graph.tokenFor("customer@acme.example");
  });
  afterAll(async () => {
    await proxy?.restore();
    await graph?.stop();
    await proxy?.close();
  });

  // threat-analysis asks the attachments subgraph whether the file is the case's; a failed read there said "no" (found by the topology soak).
  it("answers a submission for analysis during the outage SERVICE_UNAVAILABLE, to be retried, not BAD_USER_INPUT for a file of the case", async () => {
    const threats = threatApi(graph);
    const caseId = await threats.createThreatCase(token);
    const { id } = await threats.uploadZip(token, caseId);
    await proxy.cut();
    try {
      const during = await threats.submit(token, { caseId, attachmentIds: [id] });
      expect(during.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
    } finally {
      await proxy.restore();
    }
  });
});
