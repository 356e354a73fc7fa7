import type { DataSource, SelectQueryBuilder } from "typeorm";
import { badInput } from "../../kit/errors.js";
import { decodeCursor, pageSize, toPage, type Keyset } from "../../kit/pagination.js";
import type { Principal } from "../../kit/principal.js";
import { whereVisible } from "../../kit/visibility.js";
import type { CaseResponseTargets } from "../response-target/response-target.service.js";
import { CaseEntity } from "./case.entity.js";
import { CaseOrderField, OrderDirection } from "./case.enums.js";
import type { CaseFilter, CaseOrder } from "./case.input.js";
import { LIMITS } from "./case.rules.js";
import type { CaseConnection } from "./case.types.js";

export interface CaseListArgs {
  first?: number | null;
  after?: string | null;
  filter?: CaseFilter | null;
  orderBy?: CaseOrder | null;
  /** Decides `filter.overdue` (docs/domain.md, "Response targets"). */
  responseTargets: CaseResponseTargets;
}

const ORDER_COLUMNS: Record<CaseOrderField, { column: string; keyOf: (c: CaseEntity) => string | number }> = {
  [CaseOrderField.UPDATED_AT]: { column: "c.updatedAt", keyOf: (c) => c.updatedAt.toISOString() },
  [CaseOrderField.CREATED_AT]: { column: "c.createdAt", keyOf: (c) => c.createdAt.toISOString() },
  [CaseOrderField.SEVERITY]: { column: "c.severityRank", keyOf: (c) => c.severityRank },
};

/** LIKE pattern escaping with "!" (a backslash means different things to MySQL and SQLite). */
function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (ch) => `!${ch}`);
}

function applyFilter(qb: SelectQueryBuilder<CaseEntity>, filter: CaseFilter | null | undefined): void {
  if (!filter) return;
  if (filter.status) qb.andWhere("c.status = :status", { status: filter.status });
  if (filter.subStatus?.length) qb.andWhere("c.subStatus IN (:...subStatus)", { subStatus: filter.subStatus });
  if (filter.severity?.length) qb.andWhere("c.severity IN (:...severity)", { severity: filter.severity });
  if (filter.inquiryType) qb.andWhere("c.inquiryType = :inquiryType", { inquiryType: filter.inquiryType });
  if (filter.organizationId) qb.andWhere("c.organizationId = :organizationId", { organizationId: filter.organizationId });
  if (filter.updatedSince) qb.andWhere("c.updatedAt >= :updatedSince", { updatedSince: filter.updatedSince });
  const search = filter.search?.trim();
  if (search) {
    if ([...search].length > LIMITS.title) throw badInput("filter.search", `search must be at most ${LIMITS.title} characters`);
    qb.andWhere("(c.caseNumber = :searchExact OR c.title LIKE :searchLike ESCAPE '!')", {
      searchExact: search.toUpperCase(),
      searchLike: `%${escapeLike(search)}%`,
    });
  }
}

/** `Query.cases`: visible cases, filtered, ordered, keyset-paginated; `totalCount` on demand. */
export async function searchCases(dataSource: DataSource, principal: Principal, args: CaseListArgs): Promise<CaseConnection> {
  const limit = pageSize(args.first);
  const after = decodeCursor(args.after);
  const order = ORDER_COLUMNS[args.orderBy?.field ?? CaseOrderField.UPDATED_AT];
  const direction = args.orderBy?.direction ?? OrderDirection.DESC;

  const base = whereVisible(dataSource.getRepository(CaseEntity).createQueryBuilder("c"), principal, "c");
  applyFilter(base, args.filter);
  if (typeof args.filter?.overdue === "boolean") args.responseTargets.whereOverdue(base, "c", args.filter.overdue);
  const countTotal = () => base.clone().getCount();

  const page = base.clone();
  if (after) {
    const comparison = direction === OrderDirection.ASC ? ">" : "<";
    const value = keysetValue(after, args.orderBy?.field ?? CaseOrderField.UPDATED_AT);
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
  const rows = await page.getMany();
  const { edges, pageInfo } = toPage(rows, limit, (c) => ({ value: order.keyOf(c), id: c.id }));
  return Object.assign({ edges, pageInfo, countTotal }) as CaseConnection;
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
