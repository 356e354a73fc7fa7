import { describe, expect, it } from "vitest";
import { contentDisposition, parseRange } from "./download.route.js";

describe("parseRange", () => {
  it("reads the three single-range forms and clamps the end to the file", () => {
    expect(parseRange("bytes=0-99", 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange("bytes=900-", 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange("bytes=-100", 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange("bytes=990-5000", 1000)).toEqual({ start: 990, end: 999 });
    expect(parseRange("bytes=-5000", 1000)).toEqual({ start: 0, end: 999 });
  });

  it("answers unsatisfiable ranges with 416 and ignores what it does not support", () => {
    expect(parseRange("bytes=1000-", 1000)).toBe("unsatisfiable");
    expect(parseRange("bytes=-0", 1000)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-", 0)).toBe("unsatisfiable");
    expect(parseRange(undefined, 1000)).toBeNull();
    expect(parseRange("bytes=0-1,5-6", 1000)).toBeNull();
    expect(parseRange("items=0-1", 1000)).toBeNull();
    expect(parseRange("bytes=9-3", 1000)).toBeNull();
  });
});

describe("contentDisposition", () => {
  it("always says attachment, with an ASCII fallback and the exact UTF-8 name (RFC 5987)", () => {
    expect(contentDisposition("report.pdf")).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(contentDisposition("ログ (1).txt")).toBe(`attachment; filename="__ (1).txt"; filename*=UTF-8''%E3%83%AD%E3%82%B0%20%281%29.txt`);
  });

  it("cannot be broken out of by quotes, backslashes or line breaks in a name", () => {
    const header = contentDisposition('a"; filename="evil.html\r\nSet-Cookie: x=1\\.txt');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header.match(/"/g)).toHaveLength(2);
    expect(header.startsWith("attachment; ")).toBe(true);
  });
});
