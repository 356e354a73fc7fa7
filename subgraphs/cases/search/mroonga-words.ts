import type { DataSource, EntityManager } from "typeorm";
import { isMysql } from "../../kit/transaction.js";
import type { SearchTerm } from "./search-query.js";

/*
 * Counting on Mroonga. A COUNT(*) of a MATCH over the six-column index reads every matching row's
 * columns back from Groonga (300 to 600 ms for a word in most of 100,000 cases); Mroonga counts without
 * reading rows (count-skip) only when the statement's one condition is a MATCH naming one column. So
 * a second Mroonga table holds each document's text in one column, with its organization as a token:
 * `totalCount` of a search box is a MATCH of that column alone, visibility included (docs/SEARCH.md,
 * "Latency"). Only on MariaDB with Mroonga (the migration makes the table there); written with the
 * document, and like it not transactional (undone after a rollback: search-index.ts).
 */

export const WORDS_TABLE = "case_search_words";
export const WORDS_FULLTEXT_INDEX = "IDX_case_search_words_words";

/** Between the texts of a document: a symbol, so that a phrase cannot run from one text into the next. */
const SEPARATOR = " | ";

/**
 * An organization's token: `qq`, its id's UTF-8 bytes in hex with the digits as the letters g to p,
 * `qq`. Letters only, so TokenBigram keeps it one word; `q` occurs only at its ends, so one
 * organization's token is never part of another's.
 */
export function wordsOrganizationToken(organizationId: string): string {
  const hex = Buffer.from(organizationId, "utf8").toString("hex");
  return `qq${hex.replace(/[0-9]/g, (digit) => String.fromCharCode(103 + Number(digit)))}qq`;
}

/** The same token in SQL, of the documents row `sd`. */
function organizationTokenSql(): string {
  let hex = "LOWER(HEX(sd.organization_id))";
  for (let digit = 0; digit <= 9; digit++) hex = `REPLACE(${hex}, '${digit}', '${String.fromCharCode(103 + digit)}')`;
  return `CONCAT('qq', ${hex}, 'qq')`;
}

/** Writes (or rewrites) the words of the documents `sd` that `where` selects, from the documents themselves. */
export const WRITE_WORDS_SQL = (where: string) =>
  `INSERT INTO ${WORDS_TABLE} (id, words) SELECT sd.id, CONCAT_WS('${SEPARATOR}', sd.title, sd.description, sd.updates, sd.file_names, sd.analysis_terms, sd.case_number, ${organizationTokenSql()}) ` +
  `FROM case_search_documents sd WHERE ${where} ON DUPLICATE KEY UPDATE words = VALUES(words)`;

/** Per MySQL database: whether it has the words table (MariaDB with Mroonga, migrated). */
const present = new WeakMap<DataSource, Promise<boolean>>();

export function hasWordsTable(dataSource: DataSource): Promise<boolean> {
  if (!isMysql(dataSource)) return Promise.resolve(false);
  let known = present.get(dataSource);
  if (!known) {
    known = dataSource.query<{ n: number | string }[]>("SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", [WORDS_TABLE]).then(([row]) => Number(row?.n ?? 0) > 0);
    // A failed look-up is asked again next time.
    known.catch(() => present.delete(dataSource));
    present.set(dataSource, known);
  }
  return known;
}

/** Keeps the words of the documents that `where` selects as the documents are, where the table exists. */
export async function writeWords(dataSource: DataSource, manager: EntityManager | DataSource, where: string, parameters: unknown[]): Promise<void> {
  if (await hasWordsTable(dataSource)) await manager.query(WRITE_WORDS_SQL(where), parameters);
}

/** Removes the words of a document that no longer exists. */
export async function deleteWords(dataSource: DataSource, manager: EntityManager, documentId: number): Promise<void> {
  if (await hasWordsTable(dataSource)) await manager.query(`DELETE FROM ${WORDS_TABLE} WHERE id = ?`, [documentId]);
}

/**
 * A term that could match what the words table holds beside the document's texts (an organization's
 * token, `qq...qq`, or the separator): such a search is counted the general way.
 */
function outsideTexts(term: SearchTerm): boolean {
  const folded = term.text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  return folded.includes("qq") || folded.includes("|");
}

/**
 * `totalCount` of a search box from the words table (count-skip), or null when it must be counted the
 * general way: no words table, a term that could match outside the texts, or no match. Match
 * escalation is off for this statement, and a count of 0 is counted the general way, so that a count
 * is always of the same matches as the ranked statement (which escalates only when nothing matches).
 */
export async function countWords(dataSource: DataSource, terms: readonly SearchTerm[], booleanTerms: string, visibleOrganizations: readonly string[] | null): Promise<number | null> {
  if (!(await hasWordsTable(dataSource)) || terms.some(outsideTexts)) return null;
  // The organization first: Groonga's query parser misreads a quoted term right after a prefix one.
  const tokens = visibleOrganizations?.map((id) => `"${wordsOrganizationToken(id)}"`) ?? [];
  const visible = tokens.length === 0 ? "" : tokens.length === 1 ? `+${tokens[0]} ` : `+(${tokens.join(" OR ")}) `;
  const [row] = await dataSource.query<{ n: number | string }[]>(`SET STATEMENT mroonga_match_escalation_threshold = -1 FOR SELECT COUNT(*) AS n FROM ${WORDS_TABLE} WHERE MATCH(words) AGAINST (? IN BOOLEAN MODE)`, [
    `${visible}${booleanTerms}`,
  ]);
  const n = Number(row?.n ?? 0);
  return n > 0 ? n : null;
}
