import type { DataSource, EntityManager } from "typeorm";

const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();
const RETRYABLE_MYSQL_ERRORS = new Set(["ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"]);

export function isMysql(dataSource: DataSource): boolean {
  return dataSource.options.type === "mysql" || dataSource.options.type === "mariadb";
}

/**
 * Runs `work` in one transaction. SQLite has one connection per file in TypeORM, so concurrent
 * transactions would nest as savepoints: they are queued instead. MySQL deadlock victims are retried.
 */
export async function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (!isMysql(dataSource)) {
    const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => dataSource.transaction(work));
    sqliteQueues.set(dataSource, run);
    return run;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
      if (attempt >= 4 || !code || !RETRYABLE_MYSQL_ERRORS.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}

/** `SELECT ... FOR UPDATE` on MySQL; SQLite serializes writers already (see `inTransaction`). */
export function writeLock(dataSource: DataSource): { lock?: { mode: "pessimistic_write" } } {
  return isMysql(dataSource) ? { lock: { mode: "pessimistic_write" } } : {};
}
