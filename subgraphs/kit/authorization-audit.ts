import type { ApolloServerPlugin } from "@apollo/server";
import { ErrorCode } from "./errors.js";
import type { Logger } from "./logger.js";
import type { Principal } from "./principal.js";

/** What the audit reads of a request's context (any subgraph's context has it). */
export interface AuditedContext {
  principal?: Principal;
  requestId: string;
}

/**
 * Audit log of authorization denials: one structured line per FORBIDDEN error a subgraph returns,
 * naming who was refused what (never a credential: the principal carries ids, not secrets).
 */
export function authorizationAuditPlugin(logger: Logger): ApolloServerPlugin<AuditedContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            if (error.extensions?.code !== ErrorCode.FORBIDDEN) continue;
            const principal = contextValue.principal;
            logger.warn(
              {
                event: "authorization_denied",
                requestId: contextValue.requestId,
                principal: principal && { kind: principal.kind, id: principal.id, role: principal.role, partnerId: principal.partnerId },
                operationName,
                path: error.path,
                reason: error.message,
              },
              "authorization denied",
            );
          }
        },
      };
    },
  };
}
