import { AsyncLocalStorage } from "node:async_hooks";
import type { DataSource, EntityManager } from "typeorm";
import { domainError, ErrorCode } from "./errors.js";

/**
 * Marks the code that runs inside `inTransaction` (its callback and everything it awaits), so that
 * the subgraph client can tell when someone calls another service while a transaction, and so its
 * row locks, is open: a rule of this code base (see subgraph-client.ts).
 */
const openTransaction = new AsyncLocalStorage<true>();

/** True while the calling code runs inside an `inTransaction` callback. */
export function insideTransaction(): boolean {
  return openTransaction.getStore() === true;
}

/** The request being served, aborted when its caller hangs up before the answer (see `whileCallerWaits`). */
const callerSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` (the rest of a request) knowing whether its caller still waits: a transaction that
 * ends after the caller went away (the gateway replica died, or gave up at its timeout) rolls back
 * instead of committing. Nobody would learn of that change, and the caller's retry with the same
 * Idempotency-Key runs the mutation again: without this, it would be done twice.
 */
export function whileCallerWaits<T>(signal: AbortSignal, work: () => T): T {
  return callerSignal.run(signal, work);
}

/** Undo work for writes the database does not roll back itself, registered by the transaction running now (see `onRollback`). */
const rollbackActions = new AsyncLocalStorage<(() => Promise<void>)[]>();

/**
 * Runs `action` after the MySQL transaction running now rolls back (not after a commit): for a write
 * the server does not undo with the transaction, such as a Mroonga table in storage mode. Runs
 * outside the transaction, best effort; outside a transaction or on SQLite, `action` never runs.
 */
export function onRollback(action: () => Promise<void>): void {
  rollbackActions.getStore()?.push(action);
}

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
  const tracked = (manager: EntityManager) =>
    openTransaction.run(true, async () => {
      const result = await work(manager);
      // The last moment before COMMIT: a caller that hung up gets nothing committed in its name.
      if (callerSignal.getStore()?.aborted) throw domainError(ErrorCode.SERVICE_UNAVAILABLE, "The caller went away before the change was committed; nothing was changed");
      return result;
    });
  if (!isMysql(dataSource)) {
    const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => dataSource.transaction(tracked));
    sqliteQueues.set(dataSource, run);
    return run;
  }
  for (let attempt = 1; ; attempt++) {
    const undo: (() => Promise<void>)[] = [];
    try {
      return await rollbackActions.run(undo, () => dataSource.transaction(tracked));
    } catch (error) {
      for (const action of undo) await action().catch(() => undefined);
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
