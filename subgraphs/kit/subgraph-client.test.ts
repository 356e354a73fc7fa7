import "reflect-metadata";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { createDataSource } from "./database.js";
import { querySubgraph, subgraphCallStats } from "./subgraph-client.js";
import { inTransaction, insideTransaction } from "./transaction.js";

/** Nothing listens on the discard port: the call fails at once, after it was counted. */
const NOWHERE = { url: "http://127.0.0.1:9/graphql", subgraph: "nowhere", identityToken: "t", timeoutMs: 1_000 };

describe("the record of subgraph calls made under a transaction", () => {
  let dataSource: DataSource;
  beforeAll(async () => {
    dataSource = createDataSource({ sqlitePath: ":memory:", entities: [], migrations: [] });
    await dataSource.initialize();
  });
  afterAll(() => dataSource?.destroy());

  it("counts a call sent from code inside inTransaction as sent under a transaction, and one sent after it as not", async () => {
    const before = { ...subgraphCallStats };
    await inTransaction(dataSource, async () => {
      expect(insideTransaction()).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      await querySubgraph(NOWHERE, "{ __typename }", {}).catch(() => undefined);
    });
    expect(insideTransaction()).toBe(false);
    await querySubgraph(NOWHERE, "{ __typename }", {}).catch(() => undefined);
    expect(subgraphCallStats.sent - before.sent).toBe(2);
    expect(subgraphCallStats.sentInsideTransaction - before.sentInsideTransaction).toBe(1);
  });
});
