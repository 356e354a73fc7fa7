import { AsyncLocalStorage } from "node:async_hooks";
import type { RequestHandler } from "express";
import type { DataSource, ReplicationMode } from "typeorm";

/**
 * Reads from MySQL replicas, opt-in per request. A subgraph whose DataSource has replicas
 * (`createDataSource({ replicaUrls })`) sends a SELECT outside a transaction to a replica only while
 * it serves a GraphQL query that the gateway did not mark with `READ_PRIMARY_HEADER`. Everything else
 * stays on the primary: mutations (their reads and transactions), dispatchers and relays, `/ready`,
 * and the queries of a caller who wrote a moment ago (read-your-writes; docs/architecture.md).
 */
const replicaReads = new AsyncLocalStorage<boolean>();

/** Sent by the gateway (and passed on between subgraphs) when this request's reads must see the primary. */
export const READ_PRIMARY_HEADER = "x-casegraph-read-primary";

/** True while the calling code may read from a replica. */
export function replicaReadsAllowed(): boolean {
  return replicaReads.getStore() === true;
}

/** True while the calling code must read from the primary (what another subgraph it calls must do too). */
export function readsFromPrimary(): boolean {
  return !replicaReadsAllowed();
}

/** A GraphQL document that is one query operation (`{ ... }` or `query ...`), judged from its first keyword. */
function isQueryText(query: unknown): boolean {
  if (typeof query !== "string") return false;
  const match = /^(?:\s|#[^\n]*\n)*(\{|query\b)/.exec(query);
  return match !== null;
}

/**
 * Express middleware in front of a subgraph's GraphQL handler: runs the rest of the request with
 * replica reads allowed when it is a query and the caller did not ask for the primary.
 */
export function routeReads(): RequestHandler {
  return (req, _res, next) => {
    const body = req.body as { query?: unknown } | undefined;
    const replica = req.header(READ_PRIMARY_HEADER) === undefined && isQueryText(body?.query);
    replicaReads.run(replica, next);
  };
}

/** Runs `work` with the reads of the current request routed to the primary. */
export function onPrimary<T>(work: () => T): T {
  return replicaReads.run(false, work);
}

/**
 * Makes `dataSource` route reads by the rule above: TypeORM asks for a "slave" query runner for every
 * read outside a transaction; it gets one only where replica reads are allowed.
 */
export function routeReadsOf(dataSource: DataSource): DataSource {
  const create = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (mode: ReplicationMode = "master") => create(mode === "slave" && !replicaReadsAllowed() ? "master" : mode);
  return dataSource;
}

/**
 * A hand-written SELECT, routed as TypeORM routes its own reads: to a replica where this request may
 * read from one. (`dataSource.query` always takes the primary.)
 */
export async function readRows<T = Record<string, unknown>>(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<T[]> {
  const runner = dataSource.createQueryRunner("slave");
  try {
    return (await runner.query(sql, parameters)) as T[];
  } finally {
    await runner.release();
  }
}
