import type { Request, RequestHandler, Response } from "express";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { idMatchesBody, isWellFormedOperationId, sha256Hex } from "./manifest.js";
import type { operationPolicy } from "./operation-policy.js";
import type { PersistedOperationsService } from "./persisted-operations.service.js";

export interface PersistedOperationsOptions {
  operations: PersistedOperationsService;
  /** Who may run persisted operations only (`operationPolicy`). */
  persistedOnly: ReturnType<typeof operationPolicy>;
  logger: Logger;
}

/** The request's operation fields, whether from a JSON body (POST) or the query string (GET). */
interface OperationFields {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

function graphqlError(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  // Apollo answers PERSISTED_QUERY_NOT_FOUND the same way: its clients read it from a 200 and retry with the text.
  if (code === ErrorCode.PERSISTED_QUERY_NOT_FOUND) res.setHeader("cache-control", "private, no-cache, must-revalidate");
  res.status(status).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

function searchOf(url: string): string {
  const at = url.indexOf("?");
  return at < 0 ? "" : url.slice(at + 1);
}

/** The fields of a GET request; extensions stay a string when they are not a JSON object (Apollo answers that). */
function fieldsOfGet(params: URLSearchParams): OperationFields {
  let extensions: unknown = params.get("extensions") ?? undefined;
  if (typeof extensions === "string") {
    try {
      extensions = JSON.parse(extensions);
    } catch {
      // Left as it came: Apollo refuses malformed extensions with 400.
    }
  }
  return { query: params.get("query") ?? undefined, documentId: params.get("documentId") ?? undefined, extensions };
}

/**
 * Persisted operations (trusted documents) and who must use them. Runs after the JSON body is parsed and
 * before the query text limits, so that a stored text passes the same limits as a sent one:
 *
 * - A request may send an operation's id instead of its text: `documentId` (GraphQL Code Generator's
 *   client preset, the GraphQL-over-HTTP trusted documents proposal) or `extensions.persistedQuery.sha256Hash`
 *   (Apollo Client's persisted queries link), in a POST body or a GET query string. A live published id is
 *   replaced by its text; an unknown or retired one is PERSISTED_QUERY_NOT_FOUND (HTTP 200, as Apollo
 *   answers it), after which a client falls back to sending the text.
 * - An id sent with its text must match it (BAD_REQUEST otherwise).
 * - A persisted-only caller (`operationPolicy`) that sends a text which is no live published operation gets
 *   PERSISTED_QUERY_REQUIRED (400); the exact text of a published operation is accepted (a safelist).
 *
 * Nothing is ever registered by a request: operations are published with `npm run operations`.
 */
export function persistedOperations(options: PersistedOperationsOptions): RequestHandler {
  return async (req, res, next) => {
    try {
      if (req.method !== "GET" && req.method !== "POST") return next();
      const get = req.method === "GET";
      const params = get ? new URLSearchParams(searchOf(req.url)) : undefined;
      const body = req.body as unknown;
      if (!get && (typeof body !== "object" || body === null || Array.isArray(body))) return next();
      const fields: OperationFields = params ? fieldsOfGet(params) : (body as OperationFields);
      const persistedQuery = typeof fields.extensions === "object" && fields.extensions !== null ? (fields.extensions as { persistedQuery?: unknown }).persistedQuery : undefined;
      const sha256Hash: unknown = typeof persistedQuery === "object" && persistedQuery !== null ? (persistedQuery as { sha256Hash?: unknown }).sha256Hash : undefined;
      const { documentId, query } = fields;
      if (persistedQuery !== undefined && typeof sha256Hash !== "string") return graphqlError(res, 400, "BAD_REQUEST", "extensions.persistedQuery needs a sha256Hash string");
      if (documentId !== undefined && typeof documentId !== "string") return graphqlError(res, 400, "BAD_REQUEST", "documentId must be a string");
      const hash = typeof sha256Hash === "string" ? sha256Hash : undefined;
      if (documentId !== undefined && hash !== undefined && documentId !== hash) return graphqlError(res, 400, "BAD_REQUEST", "documentId and extensions.persistedQuery.sha256Hash name different operations");
      const id = documentId ?? hash;
      const principal = res.locals.principal as Principal;
      const mustBePersisted = async () => {
        const decision = await options.persistedOnly(principal, req.headers);
        if (decision.persistedOnly)
          options.logger.info({ event: "persisted_operation_required", reason: decision.reason, principal: `${principal.kind}:${principal.id}` }, "query text refused: persisted operations only");
        return decision.persistedOnly;
      };
      const required = () =>
        graphqlError(
          res,
          400,
          ErrorCode.PERSISTED_QUERY_REQUIRED,
          "This client runs published operations only: send the operation's id (documentId, or extensions.persistedQuery.sha256Hash) from a manifest published with npm run operations",
        );

      if (id === undefined) {
        if (typeof query === "string" && (await mustBePersisted()) && !(await options.operations.findByText(query))) return required();
        return next();
      }
      const operation = isWellFormedOperationId(id) ? await options.operations.find(id) : null;
      if (query !== undefined) {
        if (typeof query !== "string") return next();
        if (operation ? operation.body !== query : hash !== undefined ? sha256Hex(query) !== hash : !idMatchesBody(id, query)) {
          return graphqlError(res, 400, "BAD_REQUEST", "provided sha does not match query");
        }
        if (!operation && (await mustBePersisted())) return required();
      } else if (!operation) {
        return graphqlError(res, 200, ErrorCode.PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound", { id });
      }
      substitute(req, params, fields.extensions, operation?.body ?? (query as string));
      res.locals.persistedOperation = operation ? { id: operation.id, name: operation.name } : undefined;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Puts the operation's text where Apollo reads it, and takes away the id fields Apollo would refuse (it runs no persisted queries of its own). */
function substitute(req: Request, params: URLSearchParams | undefined, extensions: unknown, text: string): void {
  if (params) {
    params.set("query", text);
    params.delete("documentId");
    if (typeof extensions === "object" && extensions !== null && "persistedQuery" in extensions) {
      const { persistedQuery: _dropped, ...rest } = extensions as Record<string, unknown>;
      if (Object.keys(rest).length > 0) params.set("extensions", JSON.stringify(rest));
      else params.delete("extensions");
    }
    const at = req.url.indexOf("?");
    req.url = `${at < 0 ? req.url : req.url.slice(0, at)}?${params.toString()}`;
    return;
  }
  const body = req.body as Record<string, unknown> & { extensions?: Record<string, unknown> };
  body.query = text;
  delete body.documentId;
  if (body.extensions && typeof body.extensions === "object") {
    delete body.extensions.persistedQuery;
    if (Object.keys(body.extensions).length === 0) delete body.extensions;
  }
}

/**
 * The same policy for GraphQL multipart uploads (`forwardUploads`' `checkOperation`): a persisted-only
 * caller's `operations` must carry the exact text of a published operation (multipart requests carry no id).
 */
export function persistedOnlyUploads(options: PersistedOperationsOptions) {
  return async (query: string, req: Request, res: Response): Promise<{ status: number; message: string; code: string } | null> => {
    const principal = res.locals.principal as Principal;
    const decision = await options.persistedOnly(principal, req.headers);
    if (!decision.persistedOnly || (await options.operations.findByText(query))) return null;
    options.logger.info({ event: "persisted_operation_required", reason: decision.reason, principal: `${principal.kind}:${principal.id}`, multipart: true }, "multipart upload refused: persisted operations only");
    return {
      status: 400,
      message: "This client runs published operations only: the upload's operation text must be one of its published operations, or upload with tus at /uploads/tus",
      code: ErrorCode.PERSISTED_QUERY_REQUIRED,
    };
  };
}
