import { describe, expect, it } from "vitest";
import { checkQueryText } from "./query-limits.js";
import { scanQuery, selectedOperation } from "./query-scan.js";

const heads = (query: string) => scanQuery(query, 1_000)?.operations;

describe("scanQuery: the operation types of a query text from one lexer pass", () => {
  it("finds named, anonymous and shorthand operations at the top level", () => {
    expect(heads("{ cases { totalCount } }")).toEqual([{ operation: "query" }]);
    expect(heads("mutation { closeCase(input: {}) { case { id } } }")).toEqual([{ operation: "mutation" }]);
    expect(heads("query List { a } mutation Close($i: In!) { b } fragment F on Case { id } subscription S { c }")).toEqual([
      { operation: "query", name: "List" },
      { operation: "mutation", name: "Close" },
      { operation: "subscription", name: "S" },
    ]);
  });

  it("is not fooled by keywords inside selections, arguments, object values, strings or comments", () => {
    const query = `
      # mutation Fake { x }
      query Q($filter: Filter = { mutation: "mutation M { x }", nested: { query: 1 } }) @tag(v: { mutation: 1 }) {
        mutation: cases(filter: { query: "mutation" }) { query mutation }
      }
      fragment mutation on Query { query }`;
    expect(heads(query)).toEqual([{ operation: "query", name: "Q" }]);
  });

  it("counts tokens and stops at the limit plus one", () => {
    expect(scanQuery("{ a b c }", 10)?.tokens).toBe(5);
    expect(scanQuery(`{ ${"a ".repeat(100)} }`, 10)?.tokens).toBe(11);
  });

  it("answers null for a text that does not lex", () => {
    expect(scanQuery('{ a(b: "unterminated) }', 100)).toBeNull();
  });

  it("selects the only operation, or the one named", () => {
    const scan = scanQuery("query A { a } mutation B { b }", 100)!;
    expect(selectedOperation(scan, "B")?.operation).toBe("mutation");
    expect(selectedOperation(scan, "A")?.operation).toBe("query");
    expect(selectedOperation(scan, undefined)).toBeUndefined();
    expect(selectedOperation(scanQuery("mutation { b }", 100)!, undefined)?.operation).toBe("mutation");
  });
});

describe("checkQueryText", () => {
  const limits = { maxTokens: 10, maxLength: 1_000 };

  it("refuses a text over the length limit before lexing it, however few tokens it has", () => {
    const oneString = `{ a(b: "${"x".repeat(1_000)}") }`;
    expect(checkQueryText(oneString, limits)).toEqual({ refusal: expect.objectContaining({ measure: "length", found: oneString.length, limit: 1_000 }) });
  });

  it("refuses a text over the token limit", () => {
    expect(checkQueryText(`{ ${"a ".repeat(20)} }`, limits)).toEqual({ refusal: expect.objectContaining({ measure: "tokens", found: 11, limit: 10 }) });
  });

  it("passes a text within both limits with its scan", () => {
    expect(checkQueryText("mutation M { a }", limits)).toEqual({ scan: { tokens: 5, operations: [{ operation: "mutation", name: "M" }] } });
  });
});
