import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { casesConfig } from "../../subgraphs/cases/config.js";
import { createMailTransport } from "../../subgraphs/cases/notification/mail-transport.js";
import { NotificationDispatcher } from "../../subgraphs/cases/notification/notification.dispatcher.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { headerOf, partOf } from "../support/smtp-sink.js";

/** Mail delivery without SMTP: a newcomer finds every message as a file, named after its case. */
describe.each(DATABASES)("default .eml output on %s", (database) => {
  let graph: TestGraph;
  let dataDir: string;

  beforeAll(async () => {
    graph = await startGraph({ database });
    dataDir = mkdtempSync(join(tmpdir(), "casegraph-mail-"));
  });
  afterAll(async () => {
    await graph?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("writes one file per message, named with the case number, with the case number and the right recipients inside", async () => {
    const api = caseApi(graph);
    const acme = await graph.tokenFor("customer@acme.example");
    const created = await api.create(acme, { ccEmails: ["cc1@acme.example", "cc2@acme.example"] });
    const { id, caseNumber } = created.data!.createCase.case;
    expect((await api.addUpdate(acme, { caseId: id, body: "<b>Logs</b> attached." })).errors).toBeUndefined();

    const config = casesConfig({ DATA_DIR: dataDir }).mail;
    const transport = createMailTransport(config);
    await new NotificationDispatcher(graph.cases.dataSource, { ...config, transport }).dispatchDue();
    transport.close();

    const files = readdirSync(join(dataDir, "mail")).sort();
    expect(files).toEqual([expect.stringMatching(new RegExp(`_${caseNumber}_CASE_REGISTERED_[0-9a-f]{8}\\.eml$`)), expect.stringMatching(new RegExp(`_${caseNumber}_CASE_UPDATED_[0-9a-f]{8}\\.eml$`))]);
    const [registration, update] = files.map((file) => readFileSync(join(dataDir, "mail", file), "utf8"));

    expect(headerOf(registration!, "Subject")).toContain(caseNumber);
    expect(headerOf(registration!, "To")).toBe("customer@acme.example");
    expect(headerOf(registration!, "Cc")).toBeUndefined();
    expect(partOf(registration!, "text/plain")).toContain(caseNumber);

    expect(headerOf(update!, "Subject")).toContain(caseNumber);
    expect(headerOf(update!, "To")).toBe("customer@acme.example");
    expect(headerOf(update!, "Cc")).toBe("cc1@acme.example, cc2@acme.example");
    expect(partOf(update!, "text/html")).toContain("&lt;b&gt;Logs&lt;/b&gt; attached.");
  });
});
