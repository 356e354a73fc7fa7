import { describe, expect, it } from "vitest";
import { matchesIfNoneMatch, queryEtag } from "./query-etags.js";

describe("validators of query answers", () => {
  it("are strong, depend on every byte of the body and on the caller", () => {
    const acme = { kind: "user" as const, id: "u-acme" };
    const body = '{"data":{"cases":{"totalCount":3}}}';
    const tag = queryEtag(acme, body);
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(queryEtag(acme, Buffer.from(body))).toBe(tag);
    expect(queryEtag(acme, body.replace("3", "4"))).not.toBe(tag);
    expect(queryEtag({ kind: "apiKey", id: "u-acme" }, body)).not.toBe(tag);
  });

  it("match If-None-Match lists, weak forms and *, and nothing else", () => {
    expect(matchesIfNoneMatch('"a"', '"a"')).toBe(true);
    expect(matchesIfNoneMatch('"x", W/"a"', '"a"')).toBe(true);
    expect(matchesIfNoneMatch("*", '"a"')).toBe(true);
    expect(matchesIfNoneMatch('"b"', '"a"')).toBe(false);
    expect(matchesIfNoneMatch(undefined, '"a"')).toBe(false);
    expect(matchesIfNoneMatch("a", '"a"')).toBe(false);
  });
});
