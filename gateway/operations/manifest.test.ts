import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AccessAdminError } from "../access/access-admin-error.js";
import { idMatchesBody, isWellFormedOperationId, readManifest } from "./manifest.js";

const LIMITS = { maxLength: 100_000, maxTokens: 1_000 };
const QUERY = "query Cases { cases(first: 1) { totalCount } }";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

describe("client operation manifests", () => {
  it("reads Apollo's persisted query list and GraphQL Code Generator's persisted documents alike", () => {
    const apollo = readManifest(JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id: sha256(QUERY), name: "Cases", type: "query", body: QUERY }] }), LIMITS);
    const codegen = readManifest(JSON.stringify({ [`sha256:${sha256(QUERY)}`]: QUERY }), LIMITS);
    expect(apollo).toEqual([{ id: sha256(QUERY), name: "Cases", type: "query", body: QUERY, bodySha256: sha256(QUERY) }]);
    expect(codegen).toEqual([{ id: `sha256:${sha256(QUERY)}`, name: "Cases", type: "query", body: QUERY, bodySha256: sha256(QUERY) }]);
  });

  it("binds an id to its text only when it is the text's SHA-256 or SHA-1", () => {
    expect(idMatchesBody(sha256(QUERY), QUERY)).toBe(true);
    expect(idMatchesBody(`sha256:${sha256(QUERY)}`, QUERY)).toBe(true);
    expect(idMatchesBody(sha1(QUERY), QUERY)).toBe(true);
    expect(idMatchesBody(sha256(QUERY), `${QUERY} `)).toBe(false);
    expect(idMatchesBody(`sha256:${sha1(QUERY)}`, QUERY)).toBe(false);
    expect(idMatchesBody("my-query", QUERY)).toBe(false);
    expect(isWellFormedOperationId(sha256(QUERY).toUpperCase())).toBe(false);
    expect(isWellFormedOperationId(42)).toBe(false);
  });

  it("refuses the whole file at the first fault: a foreign id, a declared name or type the text contradicts, two operations, the query limits, duplicates", () => {
    const apollo = (op: Record<string, unknown>) => JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id: sha256(QUERY), name: "Cases", type: "query", body: QUERY, ...op }] });
    const refusal = (text: string, limits = LIMITS) => {
      try {
        readManifest(text, limits);
      } catch (error) {
        expect(error).toBeInstanceOf(AccessAdminError);
        return (error as Error).message;
      }
      throw new Error("not refused");
    };
    expect(refusal(apollo({ id: sha256("other") }))).toContain("is not the hash of its document");
    expect(refusal(apollo({ name: "Other" }))).toContain('names it "Other"');
    expect(refusal(apollo({ type: "mutation" }))).toContain("the document is a query");
    const two = `${QUERY} query More { cases(first: 2) { totalCount } }`;
    expect(refusal(JSON.stringify({ [sha256(two)]: two }))).toContain("exactly one operation");
    expect(refusal(JSON.stringify({ [sha256(QUERY)]: QUERY }), { maxLength: 100, maxTokens: 5 })).toContain("QUERY_MAX_TOKENS");
    expect(refusal(JSON.stringify({ format: "apollo-persisted-query-manifest", version: 2, operations: [] }))).toContain('"version": 1');
    expect(refusal(JSON.stringify({}))).toContain("no operations");
    expect(refusal(JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: [JSON.parse(apollo({})).operations[0], JSON.parse(apollo({})).operations[0]] }))).toContain("twice");
  });
});
