import { ApiKeyService } from "../../gateway/access/api-key.service.js";
import { savePartner } from "../../gateway/access/partner.service.js";
import { createLogger, type Logger } from "../../subgraphs/kit/logger.js";
import type { TestGraph } from "./graph.js";

/** The gateway's key service over a test graph's gateway database (as the CLI would use it). */
export function apiKeysOf(graph: TestGraph, options: { clock?: () => Date; logger?: Logger; rotationGraceSeconds?: number } = {}): ApiKeyService {
  return new ApiKeyService(graph.gateway.dataSource, {
    logger: options.logger ?? createLogger("test", "silent"),
    rotationGraceSeconds: options.rotationGraceSeconds ?? 86_400,
    clock: options.clock,
  });
}

export function addPartner(graph: TestGraph, id: string, organizationIds: string[]) {
  return savePartner(graph.gateway.dataSource, { id, name: `Partner ${id}`, organizationIds });
}

export function apiKeyHeader(key: string): Record<string, string> {
  return { "x-api-key": key };
}
