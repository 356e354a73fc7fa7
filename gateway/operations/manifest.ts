import { createHash } from "node:crypto";
import { Kind, type OperationDefinitionNode, parse } from "graphql";
import { AccessAdminError } from "../access/access-admin-error.js";
import { checkQueryText, type QueryLimits } from "../protection/query-limits.js";

/** One operation of a manifest, checked: its id matches its text, which is one operation within the query limits. */
export interface ManifestOperation {
  id: string;
  name: string | null;
  type: "query" | "mutation" | "subscription";
  body: string;
  bodySha256: string;
}

/** What fits the `persisted_operations.body` column (a MySQL TEXT). */
export const MAX_OPERATION_BYTES = 65_535;
const MAX_OPERATIONS = 10_000;
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const HEX_SHA1 = /^[0-9a-f]{40}$/;

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * Whether `id` names `body`: the SHA-256 hex of the text (Apollo's persisted query lists, GraphQL Code
 * Generator with `hashAlgorithm: "sha256"`, optionally written `sha256:<hex>`) or its SHA-1 hex (GraphQL
 * Code Generator's default). Anything else would let a manifest bind an id to the wrong text.
 */
export function idMatchesBody(id: string, body: string): boolean {
  const hex = id.startsWith("sha256:") ? id.slice("sha256:".length) : id;
  if (HEX_SHA256.test(hex)) return hex === sha256Hex(body);
  if (!id.startsWith("sha256:") && HEX_SHA1.test(id)) return id === createHash("sha1").update(body, "utf8").digest("hex");
  return false;
}

/** The well-formed shapes of an operation id a request may carry (checked before any lookup). */
export function isWellFormedOperationId(id: unknown): id is string {
  return typeof id === "string" && (HEX_SHA256.test(id) || HEX_SHA1.test(id) || (id.startsWith("sha256:") && HEX_SHA256.test(id.slice(7))));
}

function checkOperation(id: unknown, body: unknown, declared: { name?: unknown; type?: unknown }, limits: Pick<QueryLimits, "maxTokens" | "maxLength">, where: string): ManifestOperation {
  if (typeof id !== "string" || !isWellFormedOperationId(id)) throw new AccessAdminError(`${where}: the id must be the SHA-256 (or SHA-1) hex of the document, got ${JSON.stringify(id)}`);
  if (typeof body !== "string" || body.trim() === "") throw new AccessAdminError(`${where}: the document is missing`);
  if (!idMatchesBody(id, body)) throw new AccessAdminError(`${where}: the id ${id} is not the hash of its document (was the manifest edited by hand?)`);
  if (Buffer.byteLength(body, "utf8") > MAX_OPERATION_BYTES) throw new AccessAdminError(`${where}: the document has more than ${MAX_OPERATION_BYTES} bytes`);
  const checked = checkQueryText(body, limits);
  if ("refusal" in checked) throw new AccessAdminError(`${where}: ${checked.refusal.message} (QUERY_MAX_LENGTH / QUERY_MAX_TOKENS)`);
  let operations: OperationDefinitionNode[];
  try {
    operations = parse(body).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  } catch (error) {
    throw new AccessAdminError(`${where}: the document does not parse: ${(error as Error).message}`);
  }
  if (operations.length !== 1) throw new AccessAdminError(`${where}: a persisted document holds exactly one operation (it has ${operations.length})`);
  const [operation] = operations as [OperationDefinitionNode];
  const name = operation.name?.value ?? null;
  if (declared.name !== undefined && declared.name !== name) throw new AccessAdminError(`${where}: the manifest names it ${JSON.stringify(declared.name)}, the document ${JSON.stringify(name)}`);
  if (declared.type !== undefined && declared.type !== operation.operation) throw new AccessAdminError(`${where}: the manifest says ${JSON.stringify(declared.type)}, the document is a ${operation.operation}`);
  return { id, name, type: operation.operation, body, bodySha256: sha256Hex(body) };
}

/**
 * Reads a client's manifest of operations, in either format clients build: Apollo's persisted query
 * list (`{"format":"apollo-persisted-query-manifest","version":1,"operations":[{id,name,type,body}]}`,
 * from `generate-persisted-query-manifest`) or GraphQL Code Generator's persisted documents
 * (`{"<hash>":"<document>"}`, the client preset's `persisted-documents.json`). Every operation is checked
 * (id = hash of the text, one operation, within the query limits); the first fault refuses the whole file.
 */
export function readManifest(text: string, limits: Pick<QueryLimits, "maxTokens" | "maxLength">): ManifestOperation[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AccessAdminError(`The manifest is not JSON: ${(error as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new AccessAdminError("The manifest must be a JSON object");
  const object = json as Record<string, unknown>;
  let operations: ManifestOperation[];
  if ("format" in object) {
    if (object.format !== "apollo-persisted-query-manifest" || object.version !== 1 || !Array.isArray(object.operations)) {
      throw new AccessAdminError('An Apollo manifest has "format": "apollo-persisted-query-manifest", "version": 1 and an "operations" array');
    }
    operations = object.operations.map((entry: unknown, index) => {
      const op = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
      return checkOperation(op.id, op.body, { name: op.name ?? null, type: op.type }, limits, `operations[${index}]`);
    });
  } else {
    operations = Object.entries(object).map(([id, body]) => checkOperation(id, body, {}, limits, `"${id}"`));
  }
  if (operations.length === 0) throw new AccessAdminError("The manifest has no operations");
  if (operations.length > MAX_OPERATIONS) throw new AccessAdminError(`A manifest has at most ${MAX_OPERATIONS} operations`);
  const ids = new Set<string>();
  for (const operation of operations) {
    if (ids.has(operation.id)) throw new AccessAdminError(`The manifest lists ${operation.id} twice`);
    ids.add(operation.id);
  }
  return operations;
}
