import type { DataSource, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { isMysql } from "../../kit/transaction.js";
import { CaseSearchDocument, SEARCH_COLUMNS, SEARCH_FULLTEXT_INDEX } from "./case-search-document.entity.js";
import { countWords } from "./mroonga-words.js";
import type { SearchQuery, SearchTerm } from "./search-query.js";
import { fts5Query } from "./search-text.js";

/**
 * How the cases database answers a search, decided once at start from what the server offers:
 * - `sqlite-fts5`: the embedded default, an FTS5 table over application-made CJK bigrams (search-text.ts);
 * - `mroonga`: MariaDB with the Mroonga engine (TokenBigram: Japanese words of any length, English words);
 * - `innodb-ngram`: MySQL 8, InnoDB FULLTEXT WITH PARSER ngram (two-character tokens);
 * - `like`: a server without either (MariaDB without Mroonga): LIKE over the searchable text, which
 *   finds the same cases but reads every document of the visible organizations.
 */
export type SearchPlanKind = "sqlite-fts5" | "mroonga" | "innodb-ngram" | "like";

export const FTS5_TABLE = "case_search_fts";

/** Relevance weights: title, description, updates, file names, analysis terms, case number. */
const WEIGHTS = { title: 10, description: 2, updates: 1, fileNames: 3, analysisTerms: 3, caseNumber: 5 };
const MATCH_COLUMNS = "sd.title, sd.description, sd.updates, sd.fileNames, sd.analysisTerms, sd.caseNumber";

/** The FTS5 table of the embedded default; contentless: it keeps the index only, the text is in case_search_documents. */
export const CREATE_FTS5_TABLE = `CREATE VIRTUAL TABLE IF NOT EXISTS ${FTS5_TABLE} USING fts5(title, body, extra, org, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`;

/**
 * How many of the newest matching cases RELEVANCE ranks on SQLite. Ranking (bm25) costs a little for
 * every match, and a word in most cases matches tens of thousands: RELEVANCE orders the newest
 * RELEVANCE_WINDOW matches (visible to the caller) by relevance; older ones are reached by narrowing
 * the search or ordering by date (README, Search). Searches with fewer matches rank them all.
 */
export const RELEVANCE_WINDOW = 5_000;

/**
 * How deep Mroonga's optimized ranking serves RELEVANCE pages (search box alone): the first 1,000
 * ranked documents, 50 pages of 20, come from that one statement; later pages from the general plan.
 */
export const MROONGA_RANKED_DEPTH = 1_000;

/** The two log levels prepareSearchPlan writes at (a pino logger is one). */
export interface SearchPlanLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * `totalCount` of a search that has no other condition than visibility, counted by the engine alone:
 * inside the FTS5 index on SQLite, by Groonga over the search documents on Mroonga (no join to the
 * cases: a join per match costs far more for a common word; over the words table when it can,
 * mroonga-words.ts); null when it must be counted the general way.
 */
export async function countInIndex(dataSource: DataSource, plan: SearchPlanKind, query: SearchQuery, visibleOrganizations: readonly string[] | null): Promise<number | null> {
  if (plan !== "sqlite-fts5" && plan !== "mroonga") return null;
  if (visibleOrganizations?.length === 0) return 0;
  if (plan === "mroonga") {
    // Counted by Groonga without reading the matches where the words table allows it (count-skip).
    const counted = await countWords(dataSource, query.terms, mroongaTerms(query.terms), visibleOrganizations);
    if (counted !== null) return counted;
    const visible = mroongaVisibility(visibleOrganizations);
    const [row] = await dataSource.query<{ n: number | string }[]>(`SELECT COUNT(*) AS n FROM case_search_documents sd WHERE ${mroongaAgainst()}${visible.sql}`, [mroongaQuery(query), ...visible.parameters]);
    return Number(row?.n ?? 0);
  }
  const [row] = await dataSource.query<{ n: number }[]>(`SELECT count(*) AS n FROM ${FTS5_TABLE} WHERE ${FTS5_TABLE} MATCH ?`, [fts5Query(query.terms, visibleOrganizations)]);
  return Number(row?.n ?? 0);
}

/** The visibility condition of a statement on the search documents alone (`sd`): one organization is an equality, which Mroonga's ORDER BY ... LIMIT optimization accepts. */
function mroongaVisibility(visibleOrganizations: readonly string[] | null): { sql: string; parameters: string[] } {
  if (visibleOrganizations === null) return { sql: "", parameters: [] };
  if (visibleOrganizations.length === 1) return { sql: " AND sd.organization_id = ?", parameters: [...visibleOrganizations] };
  return { sql: ` AND sd.organization_id IN (${visibleOrganizations.map(() => "?").join(", ")})`, parameters: [...visibleOrganizations] };
}

/** One ranked document of rankInIndex: its row in case_search_documents and its relevance score (higher is better). */
export interface RankedDocument {
  documentId: number;
  score: number;
}

/** Where a RELEVANCE page starts: after this score and document, in the page's direction. */
export interface RankedAfter {
  score: number;
  documentId: number;
}

/**
 * One RELEVANCE page of a search that has no other condition than visibility, ranked by the engine
 * alone, best first (ties by document, as the general plan orders them); the caller then reads only
 * the page's cases. On SQLite, inside the FTS5 index: the newest RELEVANCE_WINDOW matches (visibility
 * is part of the MATCH, so they are the caller's) get their bm25 score and only `limit` rows leave the
 * index, where joining the window to the cases first would read and sort thousands of cases for a page
 * of 20. On Mroonga, one statement on the documents table that Mroonga's ORDER BY ... LIMIT
 * optimization sorts and cuts inside Groonga (a later page: within MROONGA_RANKED_DEPTH). Null when
 * this plan cannot rank so.
 */
export async function rankInIndex(
  dataSource: DataSource,
  plan: SearchPlanKind,
  query: SearchQuery,
  visibleOrganizations: readonly string[] | null,
  direction: "ASC" | "DESC",
  after: RankedAfter | null,
  limit: number,
): Promise<RankedDocument[] | null> {
  if (plan !== "sqlite-fts5" && plan !== "mroonga") return null;
  if (visibleOrganizations?.length === 0) return [];
  if (plan === "mroonga") {
    // A keyset condition on the score is not one Mroonga's ORDER BY ... LIMIT optimization takes: a later page
    // is cut from the first MROONGA_RANKED_DEPTH ranked documents (Groonga ranks every match for any LIMIT).
    const depth = after ? MROONGA_RANKED_DEPTH : limit;
    const visible = mroongaVisibility(visibleOrganizations);
    const against = mroongaAgainst();
    const booleanQuery = mroongaQuery(query);
    const rows = await dataSource.query<{ doc_rowid: number; score: number | string }[]>(
      `SELECT sd.id AS doc_rowid, ${against} AS score FROM case_search_documents sd WHERE ${against}${visible.sql} ORDER BY ${against} ${direction}, sd.id ${direction} LIMIT ?`,
      [booleanQuery, booleanQuery, ...visible.parameters, booleanQuery, depth],
    );
    // Groonga scores the organization's equality too when it runs the whole condition (the optimization): one more
    // for every row. The general plan scores the words alone, so a cursor must carry the words' score.
    const visibilityScore = visibleOrganizations?.length === 1 ? 1 : 0;
    const ranked = rows.map((row) => ({ documentId: Number(row.doc_rowid), score: Number(row.score) - visibilityScore }));
    if (!after) return ranked;
    const sign = direction === "ASC" ? 1 : -1;
    const rest = ranked.filter((r) => sign * (r.score - after.score) > 0 || (r.score === after.score && sign * (r.documentId - after.documentId) > 0));
    // Past the depth (or a page that may go on beyond it): the general plan.
    return rest.length >= limit || ranked.length < depth ? rest.slice(0, limit) : null;
  }
  const w = WEIGHTS;
  const comparison = direction === "ASC" ? ">" : "<";
  const keyset = after ? `WHERE score ${comparison} ? OR (score = ? AND doc_rowid ${comparison} ?)` : "";
  const rows = await dataSource.query<{ doc_rowid: number; score: number }[]>(
    `SELECT doc_rowid, score FROM (SELECT rowid AS doc_rowid, -bm25(${FTS5_TABLE}, ${w.title}, ${w.description}, ${w.fileNames}, 0) AS score FROM ${FTS5_TABLE} ` +
      `WHERE ${FTS5_TABLE} MATCH ? ORDER BY rowid DESC LIMIT ${RELEVANCE_WINDOW}) ${keyset} ORDER BY score ${direction}, doc_rowid ${direction} LIMIT ?`,
    [fts5Query(query.terms, visibleOrganizations), ...(after ? [after.score, after.score, after.documentId] : []), limit],
  );
  return rows.map((row) => ({ documentId: Number(row.doc_rowid), score: Number(row.score) }));
}

/** Makes sure the engine's structures exist (SQLite) and says which plan this database supports; logs a fallback. */
export async function prepareSearchPlan(dataSource: DataSource, logger: SearchPlanLog): Promise<SearchPlanKind> {
  if (!isMysql(dataSource)) {
    await dataSource.query(CREATE_FTS5_TABLE);
    // Table statistics, so that SQLite's planner starts a search from the index's few matches rather than
    // from every case of an organization (without them it takes any equality as selective). Bounded: cheap at start.
    await dataSource.query("PRAGMA analysis_limit = 1000");
    await dataSource.query("PRAGMA optimize = 0x10002");
    logger.info({ searchPlan: "sqlite-fts5" }, "case search: SQLite FTS5 (unicode61 over CJK bigrams)");
    return "sqlite-fts5";
  }
  const version = (await dataSource.query<{ version: string }[]>("SELECT VERSION() AS version"))[0]?.version ?? "";
  const mariadb = /mariadb/i.test(version);
  const [table] = await dataSource.query<{ engine: string }[]>("SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'case_search_documents'");
  const fulltext = (
    await dataSource.query<{ n: string | number }[]>("SELECT COUNT(*) AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'case_search_documents' AND INDEX_NAME = ?", [
      SEARCH_FULLTEXT_INDEX,
    ])
  )[0]!;
  const indexed = Number(fulltext.n) > 0;
  if (mariadb && indexed && table?.engine?.toLowerCase() === "mroonga") {
    logger.info({ searchPlan: "mroonga", version }, "case search: Mroonga full-text index");
    return "mroonga";
  }
  if (!mariadb && indexed) {
    logger.info({ searchPlan: "innodb-ngram", version }, "case search: InnoDB FULLTEXT WITH PARSER ngram");
    return "innodb-ngram";
  }
  const engines = await dataSource.query<{ engine: string }[]>("SELECT ENGINE AS engine FROM information_schema.ENGINES WHERE SUPPORT IN ('YES', 'DEFAULT')");
  const mroongaLoaded = engines.some((e) => e.engine.toLowerCase() === "mroonga");
  const remedy = mariadb
    ? mroongaLoaded
      ? "Mroonga is loaded now, but case_search_documents was created without it: rebuild the table as the search migration does (README, Search)"
      : "install Debian's mariadb-plugin-mroonga and run INSTALL SONAME 'ha_mroonga' before the migrations (README, Search)"
    : "the migration could not create the FULLTEXT ... WITH PARSER ngram index (README, Search)";
  logger.warn({ searchPlan: "like", version, mroongaLoaded }, `case search: no full-text engine on this server; falling back to LIKE over the searchable text (slower on large organizations): ${remedy}`);
  return "like";
}

/** LIKE pattern escaping with "!" (a backslash means different things to MySQL and SQLite). */
function likePattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (ch) => `!${ch}`)}%`;
}

/** One term as the Mroonga / InnoDB boolean mode sees it: required (+), quoted (nothing inside is syntax; parseSearch removed quotes and backslashes). */
function booleanTerm(term: SearchTerm): string {
  return `+"${term.text.replace(/["\\]/g, " ")}"`;
}

/** A word of letters and digits only, ending in a Latin letter or digit: Mroonga searches it as a prefix (`word*`: nothing in it is syntax). */
const PREFIX_WORD = /^[\p{L}\p{N}]*[\p{Script=Latin}\p{N}]$/u;

/**
 * Mroonga's boolean query. Groonga matches a quoted Latin word exactly, and looks for longer words
 * only when nothing matches exactly (match escalation), so `exclusion` would miss `exclusions` as soon
 * as one case has the word itself; an explicit prefix (`exclusion*`) alone misses words TokenBigram
 * splits (`0x8007` in `0x80070005`). Such words go as both, `+("word" OR word*)`, after the quoted
 * terms (a quoted term right after a prefix one is misread by Groonga's query parser).
 */
function mroongaTerms(terms: readonly SearchTerm[]): string {
  const prefix = terms.filter((t) => !t.phrase && PREFIX_WORD.test(t.text));
  const quoted = terms.filter((t) => !prefix.includes(t));
  return [...quoted.map(booleanTerm), ...prefix.map((t) => `+("${t.text}" OR ${t.text}*)`)].join(" ");
}

/** Mroonga's boolean query of a search, with the relevance weights of the columns (W pragma). */
function mroongaQuery(query: SearchQuery): string {
  const w = WEIGHTS;
  return `*W1:${w.title},2:${w.description},3:${w.updates},4:${w.fileNames},5:${w.analysisTerms},6:${w.caseNumber} ${mroongaTerms(query.terms)}`;
}

/** Mroonga's match (and score) of the search documents `sd` for the boolean query in `parameter` (a query builder's, or raw SQL's `?` on the columns' names). */
function mroongaAgainst(parameter = "?"): string {
  const columns = parameter === "?" ? SEARCH_COLUMNS.map((column) => `sd.${column}`).join(", ") : MATCH_COLUMNS;
  return `MATCH(${columns}) AGAINST (${parameter} IN BOOLEAN MODE)`;
}

function likeTerm<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, term: SearchTerm, index: number): void {
  const param = `searchLike${index}`;
  const columns = ["sd.title", "sd.description", "sd.updates", "sd.fileNames", "sd.analysisTerms", "sd.caseNumber"];
  qb.andWhere(`(${columns.map((column) => `${column} LIKE :${param} ESCAPE '!'`).join(" OR ")})`, { [param]: likePattern(term.text) });
}

/**
 * Restricts `qb` (cases as `c`) to the cases matching every term and returns the SQL of their
 * relevance score (higher is better; "0" when not `ranked` on SQLite). The query text only ever
 * travels as bound parameters.
 */
export function applySearch<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  plan: SearchPlanKind,
  query: SearchQuery,
  /** The organizations the caller sees (null: all); the SQLite plan applies them inside the index too. */
  visibleOrganizations: readonly string[] | null,
  /** The score is wanted (orderBy RELEVANCE); otherwise the match alone. */
  ranked: boolean,
): string {
  qb.innerJoin(CaseSearchDocument, "sd", "sd.caseId = c.id");
  switch (plan) {
    case "sqlite-fts5": {
      const w = WEIGHTS;
      const ftsQuery = fts5Query(query.terms, visibleOrganizations);
      if (!ranked) {
        qb.andWhere(`sd.id IN (SELECT rowid FROM ${FTS5_TABLE} WHERE ${FTS5_TABLE} MATCH :ftsQuery)`, { ftsQuery });
        return "0";
      }
      // bm25 is computed only for the rows the window lets through (FTS5 walks its match list newest first).
      qb.innerJoin(
        (sub) =>
          sub
            .select("rowid", "doc_rowid")
            .addSelect(`-bm25(${FTS5_TABLE}, ${w.title}, ${w.description}, ${w.fileNames}, 0)`, "score")
            .from(FTS5_TABLE, FTS5_TABLE)
            .where(`${FTS5_TABLE} MATCH :ftsQuery`, { ftsQuery })
            .orderBy("rowid", "DESC")
            .limit(RELEVANCE_WINDOW),
        "sf",
        "sf.doc_rowid = sd.id",
      );
      return "sf.score";
    }
    case "mroonga": {
      const against = mroongaAgainst(":booleanQuery");
      qb.andWhere(against, { booleanQuery: mroongaQuery(query) });
      return against;
    }
    case "innodb-ngram": {
      // ngram_token_size (2) is the shortest term the index finds; a one-character term is looked for with LIKE.
      const indexed = query.terms.filter((t) => [...t.text].length >= 2);
      query.terms.forEach((term, index) => {
        if (!indexed.includes(term)) likeTerm(qb, term, index);
      });
      if (indexed.length === 0) return "0";
      const against = `MATCH(${MATCH_COLUMNS}) AGAINST (:booleanQuery IN BOOLEAN MODE)`;
      qb.andWhere(against, { booleanQuery: indexed.map(booleanTerm).join(" ") });
      return against;
    }
    case "like": {
      query.terms.forEach((term, index) => likeTerm(qb, term, index));
      // Relevance without an engine: how many of the terms the title holds.
      return `(${query.terms.map((_, index) => `CASE WHEN sd.title LIKE :searchLike${index} ESCAPE '!' THEN 1 ELSE 0 END`).join(" + ")})`;
    }
  }
}
