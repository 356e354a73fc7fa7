import { buildSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { checkUploadOperation } from "./upload-operation.js";

const schema = buildSchema(`
  scalar Upload
  type Attachment { id: ID! }
  type Payload { attachments: [Attachment!]! }
  input UploadAttachmentsInput { caseId: ID files: [Upload!]! }
  type Query { ping: String }
  type Mutation { uploadAttachments(input: UploadAttachmentsInput!): Payload! closeCase(id: ID!): Boolean }
`);
const operations = (query: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query, variables: {}, ...extra });
const UPLOAD = "mutation($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { id } } }";
const LIMITS = { maxTokens: 1_000, maxLength: 100_000 };

describe("checkUploadOperation", () => {
  it("forwards the uploadAttachments mutation", () => {
    expect(checkUploadOperation(operations(UPLOAD), schema, LIMITS)).toBeNull();
    const two = "mutation Up($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { id } } } query Other { ping }";
    expect(checkUploadOperation(operations(two, { operationName: "Up" }), schema, LIMITS)).toBeNull();
    expect(checkUploadOperation(operations(two, { operationName: "Other" }), schema, LIMITS)?.code).toBe("BAD_REQUEST");
  });

  it("refuses other operations, mixed mutations, batches, and fields outside the public schema", () => {
    expect(checkUploadOperation(operations("mutation { closeCase(id: 1) }"), schema, LIMITS)?.code).toBe("BAD_REQUEST");
    expect(checkUploadOperation(operations("mutation($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { id } } closeCase(id: 1) }"), schema, LIMITS)?.code).toBe("BAD_REQUEST");
    expect(checkUploadOperation(operations("{ ping }"), schema, LIMITS)?.code).toBe("BAD_REQUEST");
    expect(checkUploadOperation(JSON.stringify([{ query: UPLOAD }]), schema, LIMITS)?.code).toBe("BAD_REQUEST");
    expect(checkUploadOperation(operations('mutation { reserveAttachments(reservationId: "r", ids: []) }'), schema, LIMITS)?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(checkUploadOperation(operations("mutation {"), schema, LIMITS)?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(checkUploadOperation("{not json", schema, LIMITS)?.code).toBe("BAD_REQUEST");
  });

  it("refuses a query over the token or length limit with QUERY_TOO_COMPLEX before parsing or validating it", () => {
    const wide = `mutation($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { ${"id ".repeat(1_000)} } } }`;
    expect(checkUploadOperation(operations(wide), schema, LIMITS)).toMatchObject({ status: 400, code: "QUERY_TOO_COMPLEX", extensions: { tokens: 1_001, limit: 1_000 } });
    // One comment token of 100 kB: few tokens, too many characters.
    const long = `${UPLOAD}\n#${"x".repeat(100_000)}`;
    expect(checkUploadOperation(operations(long), schema, LIMITS)).toMatchObject({ status: 400, code: "QUERY_TOO_COMPLEX", extensions: { length: long.length, limit: 100_000 } });
    // Refused on size even where it would not parse, and before the schema is needed.
    expect(checkUploadOperation(operations(`mutation { ${"{ ".repeat(1_001)}`), undefined, LIMITS)?.code).toBe("QUERY_TOO_COMPLEX");
  });
});
