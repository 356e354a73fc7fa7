import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { CaseFeedWriter } from "../../subgraphs/cases/case-feed/case-feed.writer.js";
import { createCasesSubgraph } from "../../subgraphs/cases/cases-subgraph.js";
import { casesConfig } from "../../subgraphs/cases/config.js";
import { WebhookDispatcher } from "../../subgraphs/cases/webhook/webhook.dispatcher.js";
import { SYSTEM_ACTOR } from "../../subgraphs/kit/actor.js";
import { CaseFeedEventType } from "../../subgraphs/kit/case-feed-protocol.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import { inTransaction } from "../../subgraphs/kit/transaction.js";

/** One receiver process: examples/webhook-receiver.js, as a partner would run it (verifies every signature). */
async function startReceiver(dist: string, secret: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(dist, "examples", "webhook-receiver.js")], { env: { PATH: process.env.PATH ?? "", WEBHOOK_SECRET: secret, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  let buffered = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the receiver exited (${code})`)));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const match = /listening on (\S+)/.exec(buffered);
      if (match) resolve(match[1]!);
    });
  });
  // Its one line per event is read and dropped.
  child.stdout.removeAllListeners("data");
  child.stdout.resume();
  return { url, child };
}

/**
 * Webhook deliveries per second: `events` case feed events written through the feed writer (so its
 * webhook follower writes the deliveries in the same transactions), then drained by one dispatcher to
 * receiver processes on this machine that verify every signature. Once with one endpoint, once with
 * four (one receiver process each); each case's events go to an endpoint in order, cases side by side.
 */
export async function benchWebhooks(options: { dist: string; databaseUrl?: string; events: number; log: (line: string) => void }): Promise<string[][]> {
  const rows: string[][] = [];
  for (const endpoints of [1, 4]) {
    const dataDir = mkdtempSync(join(tmpdir(), "casegraph-bench-webhooks-"));
    const config = casesConfig({
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      DATA_DIR: dataDir,
      WEBHOOK_ALLOWED_ADDRESSES: "127.0.0.1",
      WEBHOOK_DISPATCH_INTERVAL_SECONDS: "0",
      ...(options.databaseUrl ? { CASES_DATABASE_URL: options.databaseUrl } : {}),
    });
    const subgraph = await createCasesSubgraph(config);
    const receivers: ChildProcess[] = [];
    const owner = { partnerId: "bench", organizationIds: ["acme"], actor: "bench" };
    try {
      for (let i = 0; i < endpoints; i++) {
        const { endpoint, secret } = await subgraph.services.webhooks.create(owner, {
          url: "https://hooks.bench.example/in",
          eventTypes: ["CASE_CHANGED"],
          organizationIds: ["acme"],
          contactEmail: "bench@bench.example",
        });
        const receiver = await startReceiver(options.dist, secret);
        receivers.push(receiver.child);
        await subgraph.services.webhooks.update(owner, endpoint.id, { url: receiver.url });
      }
      const events = Math.ceil(options.events / endpoints);
      const writer = subgraph.services.feedWriter;
      // 10 events per case, each case one transaction (as one command writing its events).
      for (let written = 0; written < events; written += 10) {
        const feedCase = { id: randomUUID(), organizationId: "acme", lastEventSequence: 0 };
        const drafts = Array.from({ length: Math.min(10, events - written) }, (_, i) => ({
          type: CaseFeedEventType.CASE_CHANGED,
          actor: SYSTEM_ACTOR,
          at: new Date(),
          changes: [{ field: "severity", oldValue: "LOW", newValue: i % 2 ? "HIGH" : "MEDIUM" }],
          updateId: null,
        }));
        await inTransaction(subgraph.dataSource, (tx) => writer.append(tx, feedCase, drafts, CaseFeedWriter.numberDrafts(feedCase, drafts)));
      }
      const dispatcher = new WebhookDispatcher(subgraph.dataSource, { config: config.webhooks, logger: createLogger("bench-webhooks", "warn") });
      const expected = events * endpoints;
      const started = performance.now();
      let delivered = 0;
      let failed = 0;
      while (delivered + failed < expected) {
        const summary = await dispatcher.dispatchDue();
        delivered += summary.delivered;
        failed += summary.retried + summary.failed;
        if (summary.delivered + summary.retried + summary.failed === 0) break;
      }
      const seconds = (performance.now() - started) / 1000;
      options.log(`webhooks: ${delivered} deliveries to ${endpoints} endpoint(s) in ${seconds.toFixed(2)} s`);
      rows.push([
        `12. webhook deliveries, ${endpoints} endpoint${endpoints > 1 ? "s" : ""}`,
        `${Math.round(delivered / seconds).toLocaleString("en-US")} deliveries/s`,
        `${delivered.toLocaleString("en-US")} signed POSTs (10 events per case, each case in order, cases side by side up to ${config.webhooks.concurrency}) to receiver processes verifying each (examples/webhook-receiver.ts), ${options.databaseUrl ? "MySQL" : "SQLite"}`,
        failed ? `${failed} failed attempts` : "",
      ]);
      // The next round starts without these endpoints (a MySQL database outlives the round).
      for (const endpoint of await subgraph.services.webhooks.list(owner)) await subgraph.services.webhooks.remove(owner, endpoint.id);
    } finally {
      for (const child of receivers) {
        child.kill();
        if (child.exitCode === null) await once(child, "exit");
      }
      await subgraph.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** A fresh MySQL database for the webhook figures (`casegraph_bench_webhooks`), or undefined when the server is unreachable. */
export async function webhookBenchDatabase(serverUrl: string): Promise<string | undefined> {
  try {
    const connection = await createConnection({ uri: serverUrl.replace(/^mariadb:/, "mysql:"), connectTimeout: 3_000 });
    await connection.query("DROP DATABASE IF EXISTS casegraph_bench_webhooks");
    await connection.query("CREATE DATABASE casegraph_bench_webhooks");
    await connection.end();
    return `${serverUrl.replace(/\/$/, "")}/casegraph_bench_webhooks`;
  } catch {
    return undefined;
  }
}
