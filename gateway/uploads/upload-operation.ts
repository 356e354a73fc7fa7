import { type GraphQLSchema, getOperationAST, Kind, OperationTypeNode, parse, validate } from "graphql";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import { checkQueryText, type QueryLimits } from "../protection/query-limits.js";

/** Why a multipart request cannot be forwarded: HTTP status, message, contract code. */
export interface UploadRefusal {
  status: number;
  message: string;
  code: string;
  /** The measured figure and limit of a QUERY_TOO_COMPLEX refusal (`length` or `tokens`, and `limit`). */
  extensions?: Record<string, number>;
}

/** The root fields a multipart request may select: uploads go to the attachments subgraph alone. */
const UPLOAD_FIELDS = new Set(["uploadAttachments", "__typename"]);

/**
 * Checks the `operations` part of a GraphQL multipart request: within the query text limits (length
 * and tokens, checked before it is parsed, as on the JSON path), one operation, valid against the
 * public API schema (so no `@inaccessible` field), and a mutation that selects `uploadAttachments`
 * only. Everything else goes through the ordinary JSON path. Returns null when it may be forwarded.
 */
export function checkUploadOperation(operationsJson: string, apiSchema: GraphQLSchema | undefined, limits: Pick<QueryLimits, "maxTokens" | "maxLength">): UploadRefusal | null {
  let operations: unknown;
  try {
    operations = JSON.parse(operationsJson);
  } catch {
    return { status: 400, message: "Invalid JSON in the 'operations' multipart field", code: "BAD_REQUEST" };
  }
  if (typeof operations !== "object" || operations === null || Array.isArray(operations)) {
    return { status: 400, message: "The 'operations' multipart field must hold one operation (batches are not supported)", code: "BAD_REQUEST" };
  }
  const { query, operationName } = operations as { query?: unknown; operationName?: unknown };
  if (typeof query !== "string") return { status: 400, message: "The operation has no query", code: "BAD_REQUEST" };
  const checked = checkQueryText(query, limits);
  if ("refusal" in checked) {
    const { measure, found, limit, message } = checked.refusal;
    return { status: 400, message, code: ErrorCode.QUERY_TOO_COMPLEX, extensions: { [measure]: found, limit } };
  }
  if (!apiSchema) return { status: 503, message: "The gateway is starting; retry", code: "INTERNAL_SERVER_ERROR" };
  let document;
  try {
    // The text is within the token limit already; the parser's own cap is a second line of defence.
    document = parse(query, { maxTokens: limits.maxTokens + 1 });
  } catch (error) {
    return { status: 400, message: (error as Error).message, code: "GRAPHQL_PARSE_FAILED" };
  }
  const errors = validate(apiSchema, document);
  if (errors.length > 0) return { status: 400, message: errors[0]!.message, code: "GRAPHQL_VALIDATION_FAILED" };
  const operation = getOperationAST(document, typeof operationName === "string" ? operationName : undefined);
  const onlyUploads = operation?.operation === OperationTypeNode.MUTATION && operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && UPLOAD_FIELDS.has(selection.name.value));
  if (!onlyUploads) return { status: 400, message: "Multipart requests carry the uploadAttachments mutation only", code: "BAD_REQUEST" };
  return null;
}
