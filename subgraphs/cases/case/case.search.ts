import type { DataSource, SelectQueryBuilder } from "typeorm";
import { badInput } from "../../kit/errors.js";
import { decodeCursor, pageSize, toPage, type Keyset } from "../../kit/pagination.js";
import type { Principal } from "../../kit/principal.js";
import { entitiesFromRows } from "../../kit/raw-rows.js";
import { readRows } from "../../kit/read-routing.js";
import { whereVisible } from "../../kit/visibility.js";
import type { CaseResponseTargets } from "../response-target/response-target.service.js";
import { CaseSearchDocument } from "../search/case-search-document.entity.js";
import { applySearch, countInIndex, rankInIndex, type SearchPlanKind } from "../search/search-plan.js";
import { parseSearch, type SearchQuery } from "../search/search-query.js";
import { pageSnippets } from "../search/search-snippets.loader.js";
import { CaseCount } from "./case-count.entity.js";
import { CaseEntity } from "./case.entity.js";
import { CaseOrderField, OrderDirection } from "./case.enums.js";
import type { CaseFilter, CaseOrder } from "./case.input.js";
import type { CaseConnection } from "./case.types.js";

export interface CaseListArgs {
  first?: number | null;
  after?: string | null;
  filter?: CaseFilter | null;
  orderBy?: CaseOrder | null;
  /** Decides `filter.overdue` (docs/domain.md, "Response targets"). */
  responseTargets: CaseResponseTargets;
  /** How `filter.search` is answered on this database (search/search-plan.ts). */
  searchPlan: SearchPlanKind;
}

const ORDER_COLUMNS: Record<Exclude<CaseOrderField, CaseOrderField.RELEVANCE>, { column: string; keyOf: (c: CaseEntity) => string | number }> = {
  [CaseOrderField.UPDATED_AT]: { column: "c.updatedAt", keyOf: (c) => c.updatedAt.toISOString() },
  [CaseOrderField.CREATED_AT]: { column: "c.createdAt", keyOf: (c) => c.createdAt.toISOString() },
  [CaseOrderField.SEVERITY]: { column: "c.severityRank", keyOf: (c) => c.severityRank },
};

/** The filter's conditions on rows of `alias`: cases, or `case_counts` (which has the counted facts' columns only). */
function applyFilter<T extends CaseEntity | CaseCount>(qb: SelectQueryBuilder<T>, filter: CaseFilter | null | undefined, alias = "c"): void {
  if (!filter) return;
  if (filter.status) qb.andWhere(`${alias}.status = :status`, { status: filter.status });
  if (filter.subStatus?.length) qb.andWhere(`${alias}.subStatus IN (:...subStatus)`, { subStatus: filter.subStatus });
  if (filter.severity?.length) qb.andWhere(`${alias}.severity IN (:...severity)`, { severity: filter.severity });
  if (filter.inquiryType) qb.andWhere(`${alias}.inquiryType = :inquiryType`, { inquiryType: filter.inquiryType });
  if (filter.organizationId) qb.andWhere(`${alias}.organizationId = :organizationId`, { organizationId: filter.organizationId });
  if (filter.updatedSince) qb.andWhere(`${alias}.updatedAt >= :updatedSince`, { updatedSince: filter.updatedSince });
}

/** The filter fields `case_counts` can answer; a filter with any other (updatedSince, overdue, search) is counted on `cases`. */
const COUNTED_FILTERS: ReadonlySet<string> = new Set<keyof CaseFilter>(["status", "subStatus", "severity", "inquiryType", "organizationId"]);

/** True when `totalCount` of this filter is a sum of `case_counts` rows. */
export function countableFromCounts(filter: CaseFilter | null | undefined): boolean {
  return Object.entries(filter ?? {}).every(([field, value]) => COUNTED_FILTERS.has(field) || value === null || value === undefined || (Array.isArray(value) && value.length === 0));
}

/**
 * The caller's organizations that hold cases of the filter's facts, with how many each (from `case_counts`):
 * their sum is `totalCount`. The rows read depend on the organizations and the combinations of facts in use,
 * not on the cases.
 */
async function countsByOrganization(dataSource: DataSource, principal: Principal, filter: CaseFilter | null | undefined): Promise<Map<string, number>> {
  const qb = whereVisible(dataSource.getRepository(CaseCount).createQueryBuilder("k"), principal, "k").select("k.organizationId", "organizationId").addSelect("SUM(k.total)", "total").groupBy("k.organizationId");
  applyFilter(qb, filter, "k");
  const rows = await qb.getRawMany<{ organizationId: string; total: number | string }>();
  return new Map(rows.filter((r) => Number(r.total) > 0).map((r) => [r.organizationId, Number(r.total)]));
}

/** A condition on a fact other than the organization: one that some of an organization's cases may have and others not. */
function filtersOnFacts(filter: CaseFilter | null | undefined): boolean {
  return !!filter && !!(filter.status || filter.subStatus?.length || filter.severity?.length || filter.inquiryType);
}

/** `Query.cases`: visible cases, filtered (and searched), ordered, keyset-paginated; `totalCount` on demand. */
export async function searchCases(dataSource: DataSource, principal: Principal, args: CaseListArgs): Promise<CaseConnection> {
  const limit = pageSize(args.first);
  const after = decodeCursor(args.after);
  const field = args.orderBy?.field ?? CaseOrderField.UPDATED_AT;
  const direction = args.orderBy?.direction ?? OrderDirection.DESC;
  const query: SearchQuery | null = args.filter?.search === undefined || args.filter.search === null ? null : parseSearch(args.filter.search);
  if (field === CaseOrderField.RELEVANCE && !query) throw badInput("orderBy", "RELEVANCE orders the results of filter.search: give a search");

  // Visibility first: the search only ever sees the caller's organizations' documents.
  const base = whereVisible(dataSource.getRepository(CaseEntity).createQueryBuilder("c"), principal, "c");
  applyFilter(base, args.filter);
  if (typeof args.filter?.overdue === "boolean") args.responseTargets.whereOverdue(base, "c", args.filter.overdue);
  const score = query ? applySearch(base, args.searchPlan, query, principal.organizationIds, field === CaseOrderField.RELEVANCE) : null;
  // A search box alone (no other condition than visibility) is counted inside the index where the engine can.
  const { search: _search, ...others } = args.filter ?? {};
  const searchOnly = query !== null && Object.values(others).every((value) => value === null || value === undefined || (Array.isArray(value) && value.length === 0));
  // A list filtered on facts the counts answer first learns which of the caller's organizations hold such cases: the
  // page then reads none of the others' (a filter that no case of a large organization matches would otherwise
  // read all of its cases to find nothing), and totalCount is their sum.
  const withMatches = countableFromCounts(args.filter) && filtersOnFacts(args.filter) ? await countsByOrganization(dataSource, principal, args.filter) : null;
  const countTotal = async () => {
    // Counting the matching cases themselves grows with them (every case of an engineer's list); the counts do not.
    if (countableFromCounts(args.filter)) return [...(withMatches ?? (await countsByOrganization(dataSource, principal, args.filter))).values()].reduce((sum, n) => sum + n, 0);
    return (searchOnly ? await countInIndex(dataSource, args.searchPlan, query, principal.organizationIds) : null) ?? base.clone().getCount();
  };

  const page = base.clone();
  const comparison = direction === OrderDirection.ASC ? ">" : "<";
  let rows: CaseEntity[];
  let keyOf: (c: CaseEntity) => string | number;
  if (field === CaseOrderField.RELEVANCE) {
    const scoreSql = score!;
    // Ties go by search document (the order the index keeps them in); the cursor names the case, whose document is looked up.
    let afterRanked: { score: number; documentId: number } | null = null;
    if (after) {
      if (typeof after.value !== "number") throw badInput("after", "after belongs to another ordering");
      const document = await dataSource.getRepository(CaseSearchDocument).findOne({ select: { id: true }, where: { caseId: after.id } });
      if (!document) throw badInput("after", "after belongs to another search");
      afterRanked = { score: after.value, documentId: document.id };
    }
    const ranked = searchOnly ? await rankInIndex(dataSource, args.searchPlan, query, principal.organizationIds, direction, afterRanked, limit + 1) : null;
    const scores = new Map<string, number>();
    if (ranked) {
      // Ranked inside the index: only the page's cases are read.
      rows = ranked.length === 0 ? [] : await casesOfDocuments(dataSource, principal, ranked, scores);
    } else {
      if (afterRanked) {
        page.andWhere(`(${scoreSql} ${comparison} :afterValue OR (${scoreSql} = :afterValue AND sd.id ${comparison} :afterDocument))`, {
          afterValue: afterRanked.score,
          afterDocument: afterRanked.documentId,
        });
      }
      page
        .addSelect(scoreSql, "search_score")
        .orderBy("search_score", direction)
        .addOrderBy("sd.id", direction)
        .take(undefined)
        .limit(limit + 1);
      const { entities, raw } = await page.getRawAndEntities<{ c_id: string; search_score: number | string }>();
      for (const r of raw) scores.set(r.c_id, Number(r.search_score));
      rows = entities;
    }
    keyOf = (c) => scores.get(c.id) ?? 0;
  } else {
    const order = ORDER_COLUMNS[field];
    if (after) {
      const value = keysetValue(after, field);
      page.andWhere(`(${order.column} ${comparison} :afterValue OR (${order.column} = :afterValue AND c.id ${comparison} :afterId))`, {
        afterValue: value,
        afterId: after.id,
      });
    }
    page
      .orderBy(order.column, direction)
      .addOrderBy("c.id", direction)
      .take(undefined)
      .limit(limit + 1);
    // Engineers' lists stay unrestricted: an organization list there could turn the ordered scan into a sort.
    if (withMatches && withMatches.size > 0 && principal.organizationIds !== null) page.andWhere("c.organizationId IN (:...withMatches)", { withMatches: [...withMatches.keys()] });
    // The statement the builder wrote, read as plain rows: the page is on every dashboard and list, and
    // TypeORM's result transformer cost more than the statement itself (columns come as c_<column>).
    const [sql, parameters] = page.getQueryAndParameters();
    rows = withMatches?.size === 0 ? [] : entitiesFromRows(dataSource, CaseEntity, await readRows(dataSource, sql, parameters), "c_");
    keyOf = order.keyOf;
  }
  const { edges, pageInfo } = toPage(rows, limit, (c) => ({ value: keyOf(c), id: c.id }));
  if (query) {
    const snippetOf = pageSnippets(
      dataSource,
      edges.map((e) => e.node),
      query,
    );
    for (const edge of edges) Object.assign(edge, { searchSnippet: () => snippetOf(edge.node.id) });
  }
  return Object.assign({ edges, pageInfo, countTotal }) as CaseConnection;
}

/** The visible cases of ranked search documents, in their ranking order; `scores` gets each case's score. */
async function casesOfDocuments(dataSource: DataSource, principal: Principal, ranked: readonly { documentId: number; score: number }[], scores: Map<string, number>): Promise<CaseEntity[]> {
  const { entities, raw } = await whereVisible(dataSource.getRepository(CaseEntity).createQueryBuilder("c"), principal, "c")
    .innerJoin(CaseSearchDocument, "sd", "sd.caseId = c.id")
    .addSelect("sd.id", "search_document")
    .andWhere("sd.id IN (:...searchDocuments)", { searchDocuments: ranked.map((r) => r.documentId) })
    .getRawAndEntities<{ c_id: string; search_document: number | string }>();
  const byId = new Map(entities.map((c) => [c.id, c]));
  const byDocument = new Map(raw.map((r) => [Number(r.search_document), byId.get(r.c_id)]));
  const rows: CaseEntity[] = [];
  for (const { documentId, score } of ranked) {
    const c = byDocument.get(documentId);
    if (!c) continue;
    scores.set(c.id, score);
    rows.push(c);
  }
  return rows;
}

function keysetValue(after: Keyset, field: CaseOrderField): Date | number {
  if (field === CaseOrderField.SEVERITY) {
    if (typeof after.value !== "number") throw badInput("after", "after belongs to another ordering");
    return after.value;
  }
  const date = typeof after.value === "string" ? new Date(after.value) : null;
  if (!date || Number.isNaN(date.getTime())) throw badInput("after", "after belongs to another ordering");
  return date;
}
