import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { createMysqlDatabases, DATABASES, TEST_MYSQL_URL } from "../../test/support/databases.js";
import { startTcpProxy, type TcpProxy } from "../../test/support/tcp-proxy.js";
import { createDataSource } from "./database.js";
import { isDatabaseUnavailable } from "./database-errors.js";
import { onPrimary, readRows, readsFromPrimary, routeReads } from "./read-routing.js";
import { inTransaction } from "./transaction.js";

@Entity("routing_probes")
class RoutingProbe {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ type: "varchar", length: 64 })
  value: string;
}

/** Runs `work` as a subgraph runs a GraphQL query that came without the read-primary header (through `routeReads`). */
function asQuery<T>(work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const req = { body: { query: "{ probe }" }, header: () => undefined };
    routeReads()(req as never, {} as never, () => void work().then(resolve, reject));
  });
}

/**
 * Reads from replicas (kit/read-routing.ts) over a primary reached through a TCP proxy that a test
 * cuts, and a "replica" that is a second database holding other rows, so that where a read went shows
 * in what it returns.
 */
describe.skipIf(!DATABASES.includes("mysql"))("reads routed between a MySQL primary and its replica", () => {
  let proxy: TcpProxy;
  let drop: () => Promise<void>;
  let primaryUrl: string;
  let replicaUrl: string;
  const mysql = new URL(TEST_MYSQL_URL.replace(/^mariadb:/, "http:"));

  beforeAll(async () => {
    const databases = await createMysqlDatabases(["primary", "replica"] as const);
    drop = databases.drop;
    proxy = await startTcpProxy(mysql.hostname, Number(mysql.port || 3306));
    primaryUrl = databases.urls.primary.replace(`${mysql.hostname}:${mysql.port || 3306}`, `127.0.0.1:${proxy.port}`);
    replicaUrl = databases.urls.replica;
    for (const [url, value] of [
      [databases.urls.primary, "on the primary"],
      [replicaUrl, "on the replica"],
    ] as const) {
      const setup = createDataSource({ url, sqlitePath: ":memory:", entities: [RoutingProbe], migrations: [] });
      await setup.initialize();
      await setup.query("CREATE TABLE routing_probes (id varchar(36) PRIMARY KEY, value varchar(64) NOT NULL)");
      await setup.getRepository(RoutingProbe).insert({ id: "p", value });
      await setup.destroy();
    }
  });
  afterAll(async () => {
    await proxy?.close();
    await drop?.();
  });

  it("sends a query's reads to the replica, and everything else (transactions, reads outside a query, onPrimary) to the primary", async () => {
    const dataSource = createDataSource({ url: primaryUrl, replicaUrls: [replicaUrl], sqlitePath: ":memory:", entities: [RoutingProbe], migrations: [] });
    await dataSource.initialize();
    try {
      const read = () => dataSource.getRepository(RoutingProbe).findOneByOrFail({ id: "p" });
      expect(readsFromPrimary()).toBe(true);
      expect((await read()).value).toBe("on the primary");
      expect((await asQuery(read)).value).toBe("on the replica");
      expect((await asQuery(() => onPrimary(read))).value).toBe("on the primary");
      expect((await asQuery(() => inTransaction(dataSource, (tx) => tx.getRepository(RoutingProbe).findOneByOrFail({ id: "p" })))).value).toBe("on the primary");
    } finally {
      await dataSource.destroy();
    }
  });

  it("routes a hand-written read (readRows) the same way, where dataSource.query would always take the primary", async () => {
    const dataSource = createDataSource({ url: primaryUrl, replicaUrls: [replicaUrl], sqlitePath: ":memory:", entities: [RoutingProbe], migrations: [] });
    await dataSource.initialize();
    try {
      const read = async () => (await readRows<{ value: string }>(dataSource, "SELECT value FROM routing_probes WHERE id = ?", ["p"]))[0]?.value;
      expect(await read()).toBe("on the primary");
      expect(await asQuery(read)).toBe("on the replica");
      expect(await asQuery(() => onPrimary(read))).toBe("on the primary");
    } finally {
      await dataSource.destroy();
    }
  });

  // mysql2's pool cluster takes a server out after 5 failed connects and, without a restore timeout,
  // never puts it back: one restart of the primary failed every later request of the process (the
  // topology soak restarts MariaDB under load: test/faults/topology-soak.test.ts).
  it("comes back to the primary after it was unreachable for many requests, answering SERVICE_UNAVAILABLE meanwhile", async () => {
    const dataSource = createDataSource({ url: primaryUrl, replicaUrls: [replicaUrl], sqlitePath: ":memory:", entities: [RoutingProbe], migrations: [], poolSize: 2 });
    await dataSource.initialize();
    try {
      await proxy.cut();
      for (let i = 0; i < 12; i++) {
        const failure = await dataSource
          .getRepository(RoutingProbe)
          .findOneBy({ id: "p" })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(isDatabaseUnavailable(failure), String(failure)).toBe(true);
      }
      // Replica reads go on meanwhile.
      expect((await asQuery(() => dataSource.getRepository(RoutingProbe).findOneByOrFail({ id: "p" }))).value).toBe("on the replica");
      await proxy.restore();
      let value: string | undefined;
      for (let i = 0; i < 50 && value === undefined; i++) {
        value = await dataSource
          .getRepository(RoutingProbe)
          .findOneBy({ id: "p" })
          .then(
            (row) => row?.value,
            () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100)),
          );
      }
      expect(value).toBe("on the primary");
    } finally {
      await proxy.restore();
      await dataSource.destroy();
    }
  });
});
