import DataLoader from "dataloader";
import { GraphQLError } from "graphql";
import { Agent, request } from "undici";
import { IDENTITY_HEADER } from "./identity.js";
import { READ_PRIMARY_HEADER, readsFromPrimary } from "./read-routing.js";
import { insideTransaction } from "./transaction.js";

/**
 * Calls this process sent to other subgraphs, and how many of them left while a database
 * transaction was open in the code that sent them. The rule is that none does: a call made under a
 * transaction holds its row locks for as long as another service takes to answer, and a failure
 * there cannot be undone with the transaction. Tests read these figures (and reset them); the
 * client records rather than refuses, so a slip shows up in a test instead of failing a request.
 */
export const subgraphCallStats = { sent: 0, sentInsideTransaction: 0 };

/** The other subgraph did not answer at all (connection refused or reset, timeout): a failure of the moment, which the client may retry. */
export class SubgraphUnreachable extends Error {
  constructor(
    readonly subgraph: string,
    cause: unknown,
  ) {
    super(`${subgraph} subgraph could not be reached: ${String(cause)}`, { cause });
  }
}

/** Where another subgraph listens, and how to call it as the current caller. */
export interface SubgraphCaller {
  /** URL of the other subgraph's `/graphql`. */
  url: string;
  /** The other subgraph's name (for error messages). */
  subgraph: string;
  /**
   * The identity token this request arrived with, signed by the gateway: forwarded as it is, so that
   * the other subgraph's visibility rules decide about the original caller. A subgraph never signs
   * one itself (it holds no key that could); the gateway put the other subgraph in its audience.
   */
  identityToken: string;
  timeoutMs?: number;
}

/**
 * Keep-alive connections shared by every call this process sends to other subgraphs: undici's `request`
 * rather than the global `fetch`, whose WHATWG streams and per-call setup cost more CPU than the call itself.
 */
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

/**
 * Runs one operation against another subgraph, as the caller (the caller's own identity token).
 * Rethrows the other subgraph's contract errors as they are; any other failure
 * (transport, internal error, missing data) is an Error: a subgraph's answer is all or nothing.
 */
export async function querySubgraph<T>(caller: SubgraphCaller, query: string, variables: Record<string, unknown>): Promise<T> {
  subgraphCallStats.sent++;
  if (insideTransaction()) subgraphCallStats.sentInsideTransaction++;
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(caller.url, {
      method: "POST",
      // A caller on the primary (a mutation, a caller who just wrote) needs the other subgraph's primary too.
      headers: { "content-type": "application/json", [IDENTITY_HEADER]: caller.identityToken, ...(readsFromPrimary() ? { [READ_PRIMARY_HEADER]: "1" } : {}) },
      body: JSON.stringify({ query, variables }),
      dispatcher: agent,
      signal: AbortSignal.timeout(caller.timeoutMs ?? 5_000),
    });
  } catch (error) {
    // Refused, reset or timed out: still an Error (not the other subgraph's answer), which clients see as SERVICE_UNAVAILABLE.
    throw new SubgraphUnreachable(caller.subgraph, error);
  }
  const status = response.statusCode;
  let result: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  try {
    result = (await response.body.json()) as typeof result;
  } catch {
    throw new Error(`${caller.subgraph} subgraph answered ${status} without JSON`);
  }
  // A contract error of the other subgraph (NOT_FOUND, TOO_MANY_FILES, ...) is the caller's answer too.
  const error = result.errors?.[0];
  if (typeof error?.extensions?.code === "string" && error.extensions.code !== "INTERNAL_SERVER_ERROR") {
    throw new GraphQLError(error.message, { extensions: error.extensions });
  }
  if (status < 200 || status >= 300 || !result.data || result.errors?.length) {
    throw new Error(`${caller.subgraph} subgraph answered ${status}: ${result.errors?.map((e) => e.message).join("; ")}`);
  }
  return result.data;
}

/**
 * A per-request DataLoader over another subgraph's `field(ids: [ID!]!): [T]` query (answers in key
 * order, `null` for what the caller may not see): one HTTP call per batch.
 */
export function createSubgraphIdsLoader<T>(caller: SubgraphCaller, field: string, query: string): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const data = await querySubgraph<Record<string, (T | null)[]>>(caller, query, { ids });
    const rows = data[field];
    if (!Array.isArray(rows) || rows.length !== ids.length) throw new Error(`${caller.subgraph} subgraph answered ${field} with ${rows?.length} items for ${ids.length} ids`);
    return rows;
  });
}
