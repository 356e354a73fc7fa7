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

describe("checkUploadOperation", () => {
  it("forwards the uploadAttachments mutation", () => {
    expect(checkUploadOperation(operations(UPLOAD), schema)).toBeNull();
    const two = "mutation Up($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { id } } } query Other { ping }";
    expect(checkUploadOperation(operations(two, { operationName: "Up" }), schema)).toBeNull();
    expect(checkUploadOperation(operations(two, { operationName: "Other" }), schema)?.code).toBe("BAD_REQUEST");
  });

  it("refuses other operations, mixed mutations, batches, and fields outside the public schema", () => {
    expect(checkUploadOperation(operations("mutation { closeCase(id: 1) }"), schema)?.code).toBe("BAD_REQUEST");
    expect(checkUploadOperation(operations("mutation($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { id } } closeCase(id: 1) }"), schema)?.code).toBe("BAD_REQUEST");
    expect(checkUploadOperation(operations("{ ping }"), schema)?.code).toBe("BAD_REQUEST");
    expect(checkUploadOperation(JSON.stringify([{ query: UPLOAD }]), schema)?.code).toBe("BAD_REQUEST");
    expect(checkUploadOperation(operations("mutation { checkStagedAttachments(ids: []) }"), schema)?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(checkUploadOperation(operations("mutation {"), schema)?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(checkUploadOperation("{not json", schema)?.code).toBe("BAD_REQUEST");
  });
});
