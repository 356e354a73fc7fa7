import { describe, expect, it } from "vitest";
import { checkJsonBody, jsonNesting } from "./json-body.js";

const bytes = (text: string) => Buffer.from(text);
const verify = checkJsonBody(8);
const check = (body: Buffer) => verify(undefined as never, undefined as never, body);

describe("checks of a JSON request body before it is parsed", () => {
  it("measures nesting of objects and arrays, not of brackets inside strings", () => {
    expect(jsonNesting(bytes('{"query":"{ a { b } }","variables":{"x":[1,[2]]}}'), 64)).toBe(4);
    expect(jsonNesting(bytes('{"s":"[[[[[[\\"{{{{"}'), 64)).toBe(1);
    expect(jsonNesting(bytes("[".repeat(100_000)), 10)).toBe(11);
  });

  it("refuses a body nested deeper than the limit with 400, and one that is not UTF-8", () => {
    expect(() => check(bytes(`{"v":${"[".repeat(8)}${"]".repeat(8)}}`))).toThrow(expect.objectContaining({ status: 400, type: "entity.too.deep", limit: 8 }));
    expect(() => check(Buffer.concat([bytes('{"q":"'), Buffer.from([0xff, 0xfe]), bytes('"}')]))).toThrow(expect.objectContaining({ status: 400, type: "entity.invalid.utf8" }));
    expect(() => check(bytes('{"q":"設定 \\u0000 🔥"}'))).not.toThrow();
  });
});
