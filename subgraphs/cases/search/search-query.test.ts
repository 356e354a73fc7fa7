import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSearch, SEARCH_MAX_LENGTH } from "./search-query.js";
import { bestSnippet, SNIPPET_LENGTH, SnippetField } from "./search-snippet.js";
import { fts5Query, fts5Term, indexText, organizationToken } from "./search-text.js";

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return "none";
  } catch (error) {
    return (error as { extensions?: { code?: string; field?: string } }).extensions;
  }
};

describe("search syntax", () => {
  it("reads words and quoted phrases, normalized, each once", () => {
    expect(parseSearch('  Agent  "Log Files"  ＡＧＥＮＴ 駆除 ').terms).toEqual([
      { text: "agent", phrase: false },
      { text: "log files", phrase: true },
      { text: "駆除", phrase: false },
    ]);
    expect(parseSearch('"unbalanced phrase').terms).toEqual([{ text: "unbalanced phrase", phrase: true }]);
    expect(parseSearch('"one"').terms).toEqual([{ text: "one", phrase: false }]);
  });

  it("drops operators and operator words, keeps punctuation inside words", () => {
    expect(parseSearch("+agent -error* AND (log) OR NOT 0x8007 C-2026-000123 a.log").terms.map((t) => t.text)).toEqual(["agent", "error", "log", "0x8007", "c-2026-000123", "a.log"]);
  });

  it("refuses empty text, text over the limit, and text with nothing to look for, on filter.search", () => {
    for (const bad of ["", " \t ", "x".repeat(SEARCH_MAX_LENGTH + 1), '"" + - *', "AND OR", "。、「」", '"   "']) {
      expect(
        codeOf(() => parseSearch(bad)),
        JSON.stringify(bad),
      ).toEqual({ code: "BAD_USER_INPUT", field: "filter.search" });
    }
    expect(parseSearch("駆".repeat(SEARCH_MAX_LENGTH)).terms).toHaveLength(1);
    expect(codeOf(() => parseSearch(Array.from({ length: 17 }, (_, i) => `w${i}`).join(" ")))).toEqual({ code: "BAD_USER_INPUT", field: "filter.search" });
  });

  it("never lets a search reach FTS5 as syntax: every term is one quoted string", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }), (text) => {
        let query;
        try {
          query = parseSearch(text);
        } catch {
          return;
        }
        const fts = fts5Query(query.terms, ["acme"]);
        // Outside the quoted strings only the column filters, AND and the prefix star remain.
        expect(fts.replace(/"(?:[^"]|"")*"\*?/g, "").replace(/ AND /g, "")).toBe("{title body extra} : ()org : ()");
      }),
    );
  });
});

describe("CJK bigrams for FTS5", () => {
  it("indexes runs of Japanese as overlapping bigrams and their last character, Latin words as they are", () => {
    expect(indexText("Apex One駆除失敗").trim().split(/\s+/)).toEqual(["apex", "one", "駆除", "除失", "失敗", "敗"]);
    expect(indexText("検").trim()).toBe("検");
  });

  it("searches a two-character word as one token, a longer one as a phrase of bigrams, one character and Latin words as prefixes", () => {
    const terms = (text: string) => parseSearch(text).terms.map(fts5Term).join(" AND ");
    expect(terms("駆除")).toBe('"駆除"');
    expect(terms("駆除失敗")).toBe('"駆除 除失 失敗"');
    expect(terms("駆")).toBe('"駆"*');
    expect(terms('0x8007 "agent log"')).toBe('"0x8007"* AND "agent log"*');
    expect(terms('"駆除 失敗"')).toBe('"駆除 除 失敗"');
  });

  it("keeps the words to the text columns and, for a caller who sees some organizations, adds one of their tokens", () => {
    expect(fts5Query(parseSearch("acme").terms, null)).toBe('{title body extra} : ("acme"*)');
    expect(fts5Query(parseSearch("駆除").terms, ["acme", "globex"])).toBe(`{title body extra} : ("駆除") AND org : ("${organizationToken("acme")}" OR "${organizationToken("globex")}")`);
    // One token of letters and digits whatever the id holds, matched whole (never as a prefix or a phrase part).
    expect(organizationToken("my-org 2")).toMatch(/^o[0-9a-f]+$/);
  });
});

describe("snippets", () => {
  const terms = parseSearch("駆除 agent").terms;

  it("marks every occurrence of the words in the original text, whatever its width or case", () => {
    const snippet = bestSnippet([{ field: SnippetField.TITLE, text: "ＡＧＥＮＴ で駆除失敗、agent再起動" }], terms);
    expect(snippet).toEqual({
      field: "TITLE",
      updateId: null,
      segments: [
        { text: "ＡＧＥＮＴ", matched: true },
        { text: " で", matched: false },
        { text: "駆除", matched: true },
        { text: "失敗、", matched: false },
        { text: "agent", matched: true },
        { text: "再起動", matched: false },
      ],
    });
  });

  it("prefers the text holding most words, then the first given, and cuts long texts around the first match", () => {
    const long = `${"前置き。".repeat(100)}ここで駆除できず agent が止まる。${"後書き。".repeat(100)}`;
    const snippet = bestSnippet(
      [
        { field: SnippetField.TITLE, text: "駆除のみ" },
        { field: SnippetField.UPDATE, updateId: "u1", text: long },
      ],
      terms,
    )!;
    expect(snippet.field).toBe("UPDATE");
    expect(snippet.updateId).toBe("u1");
    const text = snippet.segments.map((s) => s.text).join("");
    expect(text.startsWith("…")).toBe(true);
    expect(text.endsWith("…")).toBe(true);
    expect(text.length).toBeLessThanOrEqual(SNIPPET_LENGTH + 2);
    expect(snippet.segments.filter((s) => s.matched).map((s) => s.text)).toEqual(["駆除", "agent"]);
    expect(bestSnippet([{ field: SnippetField.TITLE, text: "nothing here" }], terms)).toBeNull();
  });
});
