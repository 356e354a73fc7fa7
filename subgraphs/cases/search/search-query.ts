import { badInput } from "../../kit/errors.js";

/** Longest `filter.search` accepted, in characters (code points), after trimming. */
export const SEARCH_MAX_LENGTH = 200;
/** Most words and phrases one search may hold (all must match). */
export const SEARCH_MAX_TERMS = 16;

/** One word or quoted phrase of a search, normalized (NFKC, lower case); every term must match. */
export interface SearchTerm {
  text: string;
  /** Written in double quotes: its words must stand together, in order. */
  phrase: boolean;
}

export interface SearchQuery {
  /** The trimmed input, as the client sent it. */
  raw: string;
  terms: SearchTerm[];
}

/** Words the search syntax reads as operators: all terms must match anyway, and there is no OR or NOT. */
const OPERATOR_WORDS = new Set(["AND", "OR", "NOT", "&&", "||"]);
const HAS_WORD_CHARACTER = /[\p{L}\p{N}]/u;
/** Operator characters a word may begin or end with (`+error`, `-foo`, `agent*`): dropped, never passed to an engine. */
const EDGE_OPERATORS = /^[+\-~<>()@*^|!&]+|[+\-~<>()@*^|!&]+$/gu;

/** Text as every search plan compares it: compatibility forms folded (full-width letters, half-width kana), lower case. */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/**
 * Reads `filter.search`: words separated by white space and "quoted phrases"; every one must match
 * (AND). Operator characters and the words AND, OR, NOT are dropped: no engine ever sees its own
 * syntax from a client. BAD_USER_INPUT when nothing is left to look for, or the text is too long.
 */
export function parseSearch(input: string): SearchQuery {
  const raw = input.trim();
  if (raw === "") throw badInput("filter.search", "search must not be empty");
  if ([...raw].length > SEARCH_MAX_LENGTH) throw badInput("filter.search", `search must be at most ${SEARCH_MAX_LENGTH} characters`);
  const terms: SearchTerm[] = [];
  const seen = new Set<string>();
  const add = (text: string, phrase: boolean) => {
    const cleaned = normalizeText(phrase ? text : text.replace(EDGE_OPERATORS, ""))
      .replace(/["\\]/g, " ")
      .replace(/\s+/g, " ")
      .trim();
    if (!HAS_WORD_CHARACTER.test(cleaned)) return;
    const key = `${phrase ? "p" : "w"}:${cleaned}`;
    if (seen.has(key)) return;
    seen.add(key);
    terms.push({ text: cleaned, phrase: phrase && cleaned.includes(" ") });
  };
  // NFKC first so that full-width quotes and spaces (U+FF02, U+3000) work as the ASCII ones do.
  const text = raw.normalize("NFKC");
  const pattern = /"([^"]*)"?|(\S+)/gu;
  for (const match of text.matchAll(pattern)) {
    if (match[1] !== undefined) add(match[1], true);
    else if (match[2] !== undefined && !OPERATOR_WORDS.has(match[2])) {
      // A word with a quote inside (ab"cd) is read as the word without it.
      add(match[2], false);
    }
  }
  if (terms.length === 0) throw badInput("filter.search", "search has no word to look for (only operators or punctuation)");
  if (terms.length > SEARCH_MAX_TERMS) throw badInput("filter.search", `search may hold at most ${SEARCH_MAX_TERMS} words and phrases`);
  return { raw, terms };
}

/** The pieces of a term a snippet marks: its runs of letters and digits. */
export function termPieces(term: SearchTerm): string[] {
  return term.text.match(/[\p{L}\p{N}]+/gu) ?? [];
}
