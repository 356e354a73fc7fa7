import { type SearchTerm, termPieces } from "./search-query.js";

/** Where a snippet comes from. */
export enum SnippetField {
  TITLE = "TITLE",
  DESCRIPTION = "DESCRIPTION",
  UPDATE = "UPDATE",
  FILE_NAME = "FILE_NAME",
  ANALYSIS_RESULT = "ANALYSIS_RESULT",
}

export interface SnippetSegmentValue {
  text: string;
  matched: boolean;
}

export interface SnippetValue {
  field: SnippetField;
  updateId: string | null;
  segments: SnippetSegmentValue[];
}

/** A text a snippet may be cut from, in order of preference when several match as well. */
export interface SnippetSource {
  field: SnippetField;
  updateId?: string | null;
  text: string;
}

/** Characters of context a snippet shows at most (the whole text when shorter). */
export const SNIPPET_LENGTH = 160;
const LEAD = 50;

/** The normalized text (NFKC, lower case, character by character) and, per normalized unit, where it came from. */
function normalizedWithMap(text: string): { normalized: string; start: number[]; end: number[] } {
  let normalized = "";
  const start: number[] = [];
  const end: number[] = [];
  let offset = 0;
  for (const ch of text) {
    const n = ch.normalize("NFKC").toLowerCase();
    for (let i = 0; i < n.length; i++) {
      start.push(offset);
      end.push(offset + ch.length);
    }
    normalized += n;
    offset += ch.length;
  }
  return { normalized, start, end };
}

/**
 * Ranges [from, to) of `text` (UTF-16 offsets) where the terms occur, merged, and how many terms
 * occur. A term is marked whole where it occurs as written (TROJ_X.A, "agent log"), else by its runs
 * of letters and digits (what the engines match: agent-log, agent log).
 */
export function matchRanges(text: string, terms: readonly SearchTerm[]): { ranges: [number, number][]; distinct: number } {
  const { normalized, start, end } = normalizedWithMap(text);
  const found: [number, number][] = [];
  let distinct = 0;
  const mark = (piece: string): boolean => {
    let at = normalized.indexOf(piece);
    const any = at >= 0;
    while (at >= 0) {
      found.push([start[at]!, end[at + piece.length - 1]!]);
      at = normalized.indexOf(piece, at + piece.length);
    }
    return any;
  };
  for (const term of terms) {
    if (mark(term.text)) distinct++;
    else if (termPieces(term).map(mark).some(Boolean)) distinct++;
  }
  found.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const ranges: [number, number][] = [];
  for (const range of found) {
    const last = ranges.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else ranges.push([...range]);
  }
  return { ranges, distinct };
}

function clampToCharacter(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff ? index - 1 : index;
}

/** The snippet of one text: a window around the first match, cut into plain and matched segments (white space collapsed). */
export function snippetOf(source: SnippetSource, ranges: [number, number][]): SnippetValue {
  const { text } = source;
  let from = 0;
  let to = text.length;
  if (text.length > SNIPPET_LENGTH) {
    from = clampToCharacter(text, Math.max(0, Math.min(ranges[0]![0] - LEAD, text.length - SNIPPET_LENGTH)));
    to = clampToCharacter(text, Math.min(text.length, from + SNIPPET_LENGTH));
  }
  const segments: SnippetSegmentValue[] = [];
  const push = (segment: string, matched: boolean) => {
    const collapsed = segment.replace(/\s+/g, " ");
    if (collapsed === "") return;
    const last = segments.at(-1);
    if (last && last.matched === matched) last.text += collapsed;
    else segments.push({ text: collapsed, matched });
  };
  if (from > 0) push("…", false);
  let cursor = from;
  for (const [start, end] of ranges) {
    if (end <= from || start >= to) continue;
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    push(text.slice(cursor, s), false);
    push(text.slice(s, e), true);
    cursor = e;
  }
  push(text.slice(cursor, to), false);
  if (to < text.length) push("…", false);
  if (segments[0]) segments[0].text = segments[0].text.trimStart();
  return { field: source.field, updateId: source.updateId ?? null, segments };
}

/** The best snippet among `sources`: the one holding most of the query's words (the first of equals), or null when none holds any. */
export function bestSnippet(sources: readonly SnippetSource[], terms: readonly SearchTerm[]): SnippetValue | null {
  let best: { source: SnippetSource; ranges: [number, number][]; distinct: number } | null = null;
  for (const source of sources) {
    if (!source.text) continue;
    const { ranges, distinct } = matchRanges(source.text, terms);
    if (distinct > 0 && (!best || distinct > best.distinct)) best = { source, ranges, distinct };
  }
  return best ? snippetOf(best.source, best.ranges) : null;
}
