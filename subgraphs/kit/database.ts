import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DataSource, type DataSourceOptions } from "typeorm";
import { SnakeNamingStrategy } from "./naming.js";
import { routeReadsOf } from "./read-routing.js";
import { SqliteQuerySpans } from "./telemetry/sql-spans.js";
import { tracingStarted } from "./telemetry/tracing.js";

export interface DatabaseOptions {
  /** `mysql://user:pass@host:port/db` (or `mariadb://` for a MariaDB server); when absent, the embedded SQLite file is used. */
  url?: string;
  /**
   * MySQL replicas of `url` (same user and database names): queries read there, see read-routing.ts.
   * Writes, transactions and migrations go to `url`. Ignored without `url`.
   */
  replicaUrls?: string[];
  /** Path of the SQLite file for the embedded default (`:memory:` for throwaway databases). */
  sqlitePath: string;
  entities: NonNullable<DataSourceOptions["entities"]>;
  migrations: NonNullable<DataSourceOptions["migrations"]>;
  /** Log every SQL statement through this function (tests count statements with it). */
  onQuery?: (sql: string) => void;
  poolSize?: number;
}

/**
 * One DataSource per subgraph. MySQL (through mysql2) is migrated; the embedded SQLite default is
 * synchronized from the entities, since nobody runs migrations against a file they just created.
 */
export function createDataSource(options: DatabaseOptions): DataSource {
  const logger = options.onQuery
    ? {
        logQuery: (sql: string) => options.onQuery?.(sql),
        logQueryError: () => undefined,
        logQuerySlow: () => undefined,
        logSchemaBuild: () => undefined,
        logMigration: () => undefined,
        log: () => undefined,
      }
    : undefined;
  const common = { entities: options.entities, namingStrategy: new SnakeNamingStrategy(), logger, logging: options.onQuery ? ["query" as const] : false };
  let config: DataSourceOptions;
  const replicaUrls = options.url ? (options.replicaUrls ?? []) : [];
  if (options.url) {
    config = {
      ...common,
      // MariaDB (the development machines) reports column defaults differently; TypeORM needs to know.
      type: options.url.startsWith("mariadb:") ? "mariadb" : "mysql",
      ...(replicaUrls.length
        ? {
            replication: {
              master: { url: options.url },
              slaves: replicaUrls.map((url) => ({ url })),
              // mysql2's pool cluster takes a server out after 5 failed connects; without a restore
              // timeout it never comes back, and a restarted primary would fail every request for good.
              restoreNodeTimeout: 1_000,
            },
          }
        : { url: options.url }),
      timezone: "Z",
      charset: "utf8mb4_unicode_ci",
      migrations: options.migrations,
      migrationsRun: true,
      migrationsTransactionMode: "each",
      synchronize: false,
      poolSize: options.poolSize ?? 10,
      extra: { connectTimeout: 5_000 },
    };
  } else {
    if (options.sqlitePath !== ":memory:") mkdirSync(dirname(options.sqlitePath), { recursive: true });
    config = {
      ...common,
      type: "better-sqlite3",
      database: options.sqlitePath,
      synchronize: true,
      // SQL spans while tracing is on (MySQL has the mysql2 instrumentation instead).
      subscribers: tracingStarted() ? [SqliteQuerySpans] : [],
      enableWAL: options.sqlitePath !== ":memory:",
      prepareDatabase: (db: { pragma: (s: string) => unknown }) => {
        db.pragma("busy_timeout = 5000");
      },
    };
  }
  const dataSource = new DataSource(config);
  return replicaUrls.length ? routeReadsOf(dataSource) : dataSource;
}

/** True when the database answers a trivial query (the `/ready` probe). */
export async function isDatabaseReachable(dataSource: DataSource): Promise<boolean> {
  try {
    if (!dataSource.isInitialized) return false;
    await dataSource.query("SELECT 1");
    return true;
  } catch {
    return false;
  }
}
