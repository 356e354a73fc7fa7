import { DataSource } from "typeorm";
import { createDataSource, type DatabaseOptions } from "../../subgraphs/kit/database.js";
import { createMysqlDatabases, type Database } from "./databases.js";

/** A subgraph's tables: the entity classes and the MySQL migrations it runs (`casesEntities` and `casesMigrations`, ...). */
export type SubgraphSchema = Pick<DatabaseOptions, "entities" | "migrations">;

export interface TestDataSource {
  dataSource: DataSource;
  /**
   * Another connection pool on the same database, as a second process (a replica) would have: on
   * MySQL a new DataSource, on SQLite the same one (the embedded default is single-process, and
   * better-sqlite3 blocks the thread, so a second connection here would wait on its own lock).
   */
  replica(): Promise<DataSource>;
  /** Closes every connection and drops the MySQL database. */
  close(): Promise<void>;
}

/**
 * A subgraph's database for in-process tests of its services, without servers: an in-memory SQLite
 * database, or a new MySQL database, set up exactly as the service sets up its own (`createDataSource`:
 * migrations on MySQL, the entities on SQLite).
 */
export async function openTestDataSource(database: Database, schema: SubgraphSchema, options: { onQuery?: (sql: string) => void } = {}): Promise<TestDataSource> {
  const mysql = database === "mysql" ? await createMysqlDatabases(["db"] as const) : undefined;
  const dataSource = createDataSource({ ...schema, url: mysql?.urls.db, sqlitePath: ":memory:", onQuery: options.onQuery, poolSize: 5 });
  try {
    await dataSource.initialize();
  } catch (error) {
    await mysql?.drop();
    throw error;
  }
  const replicas: DataSource[] = [];
  return {
    dataSource,
    async replica() {
      if (!mysql) return dataSource;
      const replica = new DataSource({ ...dataSource.options, migrationsRun: false, synchronize: false });
      await replica.initialize();
      replicas.push(replica);
      return replica;
    },
    async close() {
      for (const replica of replicas) if (replica.isInitialized) await replica.destroy();
      if (dataSource.isInitialized) await dataSource.destroy();
      await mysql?.drop();
    },
  };
}
