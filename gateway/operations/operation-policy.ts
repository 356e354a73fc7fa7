import type { DataSource } from "typeorm";
import { ConfigError, readOptional } from "../../subgraphs/kit/env.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { ApiKey } from "../access/api-key.entity.js";
import { CLIENT_NAME } from "./persisted-operations.service.js";

/** Which callers may run only persisted operations (everyone else may also send a query text). */
export interface OperationPolicyConfig {
  /**
   * Client names (`apollographql-client-name` or `graphql-client-name` request header) that run persisted
   * operations only: the first-party apps, whose every operation is published from their build
   * (PERSISTED_ONLY_CLIENTS=web,ios). Empty by default: any caller may send a query text.
   */
  persistedOnlyClients: string[];
}

/** The request headers that name the client app (Apollo Client sends the first). */
export const CLIENT_NAME_HEADERS = ["apollographql-client-name", "graphql-client-name"] as const;

export function readOperationPolicy(env: Record<string, string | undefined>): OperationPolicyConfig {
  const names = (readOptional(env, "PERSISTED_ONLY_CLIENTS") ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!CLIENT_NAME.test(name)) throw new ConfigError(`PERSISTED_ONLY_CLIENTS: "${name}" is not a client name (letters, digits, . _ -)`);
  }
  return { persistedOnlyClients: names };
}

/** The client name a request declares, if any. */
export function clientNameOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const header of CLIENT_NAME_HEADERS) {
    const value = headers[header];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}

/**
 * Whether this caller may run persisted operations only: a request naming a persisted-only client, or
 * any request with an API key made with `--persisted-only` (read from the key's row: a change applies
 * from the next request on). The client name is what the app declares; the key flag is bound to the
 * credential and so holds whatever the caller sends.
 */
export function operationPolicy(config: OperationPolicyConfig, dataSource: DataSource) {
  const clients = new Set(config.persistedOnlyClients);
  return async function persistedOnly(principal: Principal, headers: Record<string, string | string[] | undefined>): Promise<{ persistedOnly: boolean; reason?: string }> {
    const client = clientNameOf(headers);
    if (client !== undefined && clients.has(client)) return { persistedOnly: true, reason: `client ${client}` };
    if (principal.kind === "apiKey") {
      const key = await dataSource.getRepository(ApiKey).findOne({ select: { id: true, persistedOnly: true }, where: { id: principal.id } });
      if (key?.persistedOnly) return { persistedOnly: true, reason: `API key ${principal.id}` };
    }
    return { persistedOnly: false };
  };
}
