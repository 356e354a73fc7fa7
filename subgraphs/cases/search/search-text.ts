import { normalizeText, type SearchTerm } from "./search-query.js";

/*
 * CJK bigrams for SQLite FTS5. FTS5's unicode61 tokenizer splits on spaces and punctuation, so a
 * Japanese sentence would be one token; its trigram tokenizer cannot match a two-character word
 * (駆除, 検出) from the index at all. So the application cuts runs of CJK characters into
 * overlapping bigrams itself, the same way when it indexes and when it searches (the Mroonga
 * TokenBigram and MySQL ngram approach): "駆除失敗" is indexed as "駆除 除失 失敗 敗", a two-character
 * word is one token, a longer one a phrase of bigrams, a single character a prefix. Latin words and
 * numbers stay words for unicode61.
 */

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u3006\u30fc\uff70]/u;

function runs(text: string): { cjk: boolean; text: string }[] {
  const result: { cjk: boolean; text: string }[] = [];
  for (const ch of text) {
    const cjk = CJK.test(ch);
    const last = result.at(-1);
    if (last && last.cjk === cjk) last.text += ch;
    else result.push({ cjk, text: ch });
  }
  return result;
}

function bigrams(run: string, closing: boolean): string[] {
  const chars = [...run];
  if (chars.length === 1) return chars;
  const grams: string[] = [];
  for (let i = 0; i < chars.length - 1; i++) grams.push(chars[i]! + chars[i + 1]!);
  // The run's last character alone, so that a one-character search (a prefix) finds it too.
  if (closing) grams.push(chars.at(-1)!);
  return grams;
}

/** Text as the FTS5 index stores it: normalized, CJK runs as bigrams. */
export function indexText(text: string): string {
  return runs(normalizeText(text))
    .map((run) => (run.cjk ? ` ${bigrams(run.text, true).join(" ")} ` : run.text))
    .join("");
}

/**
 * One term as an FTS5 query: a quoted string (FTS5 reads it as a phrase of the table's tokens, and
 * nothing in it as syntax), with the last token a prefix when it ends in a Latin word or number
 * (`0x8007` finds `0x80070005`) or is a single CJK character.
 */
export function fts5Term(term: SearchTerm): string {
  const parts = runs(term.text);
  const tokens = parts.map((run, index) => (run.cjk ? ` ${bigrams(run.text, index < parts.length - 1).join(" ")} ` : run.text)).join("");
  const last = parts.at(-1)!;
  const prefix = !last.cjk ? /[\p{L}\p{N}]$/u.test(last.text) : [...last.text].length === 1;
  return `"${tokens.trim().replace(/\s+/g, " ").replace(/"/g, '""')}"${prefix ? "*" : ""}`;
}

/**
 * The token of an organization in the FTS5 `org` column: its id in hex, one token of letters and
 * digits, so that one organization's token is never a prefix or phrase part of another's.
 */
export function organizationToken(organizationId: string): string {
  return `o${Buffer.from(organizationId, "utf8").toString("hex")}`;
}

/**
 * The FTS5 MATCH expression of a search: every term (AND) in the text columns and, for a caller
 * who sees only some organizations, one of theirs (visibility inside the index: a window of the
 * newest matches holds only the caller's cases).
 */
export function fts5Query(terms: readonly SearchTerm[], organizationIds: readonly string[] | null = null): string {
  const words = `{title body extra} : (${terms.map(fts5Term).join(" AND ")})`;
  if (organizationIds === null) return words;
  return `${words} AND org : (${organizationIds.map((id) => `"${organizationToken(id)}"`).join(" OR ")})`;
}
