import type { DataSource, SelectQueryBuilder } from "typeorm";
import type { Clock } from "../../kit/clock.js";
import { badInput } from "../../kit/errors.js";
import { decodeCursor, type Keyset, pageSize, toPage } from "../../kit/pagination.js";
import type { Principal } from "../../kit/principal.js";
import { isOverdue, responseDueAt, type ResponseTargets, whereOverdue } from "../../kit/response-targets.js";
import { whereVisible } from "../../kit/visibility.js";
import { AnalysisRequestEntity } from "../analysis-request/analysis-request.entity.js";
import { AnalysisRequestState, AttkAction, FileAction } from "../threat.enums.js";
import { type AnalysisRequestFilter, AnalysisRequestOrder } from "./request-queue.input.js";
import type { AnalysisRequestConnection } from "./request-queue.types.js";

/** States in which a request waits for the support side: it has a due time. */
export const OPEN_REQUEST_STATES: readonly AnalysisRequestState[] = [AnalysisRequestState.SUBMITTED, AnalysisRequestState.IN_PROGRESS];

/** Values one filter list may hold. */
const MAX_FILTER_VALUES = 100;

const KNOWN_ACTIONS = new Set<string>([...Object.values(FileAction), ...Object.values(AttkAction)]);

export interface RequestQueueArgs {
  first?: number | null;
  after?: string | null;
  filter?: AnalysisRequestFilter | null;
  orderBy?: AnalysisRequestOrder | null;
}

/** A list condition's values, each once; null (no condition) when absent or empty, as in `cases(filter:)`. */
function listFilter<T>(field: string, values: readonly T[] | null | undefined): T[] | null {
  if (!values?.length) return null;
  if (values.length > MAX_FILTER_VALUES) throw badInput(`filter.${field}`, `filter.${field} takes at most ${MAX_FILTER_VALUES} values`);
  return [...new Set(values)];
}

function afterPosition(after: string | null | undefined): { at: Date; id: string } | null {
  const keyset: Keyset | null = decodeCursor(after);
  if (!keyset) return null;
  const at = typeof keyset.value === "string" ? new Date(keyset.value) : null;
  if (!at || Number.isNaN(at.getTime())) throw badInput("after", "after is not a cursor of this list");
  return { at, id: keyset.id };
}

/**
 * The engineers' queue of analysis requests (docs/domain.md, "The engineers' queue"): every request
 * the caller may see across organizations (engineers: all; customers and partners: their
 * organizations'), filtered, oldest first, keyset-paginated on (requestedAt, id). Also the response
 * target of each request: an open request (SUBMITTED or IN_PROGRESS) is due `RESPONSE_TARGET_<severity>_HOURS`
 * after it was made, by the severity its case had then (stored on the request, so that the `overdue`
 * filter runs in SQL).
 */
export class RequestQueue {
  constructor(
    private readonly dataSource: DataSource,
    private readonly targets: ResponseTargets,
    private readonly clock: Clock,
  ) {}

  /** `AnalysisRequest.dueAt`: null once answered, and for requests without a recorded severity. */
  dueAt(row: AnalysisRequestEntity): Date | null {
    if (!OPEN_REQUEST_STATES.includes(row.state) || !row.caseSeverity) return null;
    return responseDueAt(row.requestedAt, row.caseSeverity, this.targets);
  }

  /** `AnalysisRequest.overdue`. */
  overdue(row: AnalysisRequestEntity): boolean {
    return isOverdue(this.dueAt(row), this.clock());
  }

  /** `Query.analysisRequests`. */
  async list(principal: Principal, args: RequestQueueArgs): Promise<AnalysisRequestConnection> {
    const limit = pageSize(args.first);
    const after = afterPosition(args.after);
    const direction = args.orderBy === AnalysisRequestOrder.NEWEST_FIRST ? "DESC" : "ASC";

    const base = whereVisible(this.dataSource.getRepository(AnalysisRequestEntity).createQueryBuilder("r"), principal, "r");
    this.applyFilter(base, args.filter);
    const countTotal = () => base.clone().getCount();

    const page = base.clone();
    if (after) {
      const comparison = direction === "ASC" ? ">" : "<";
      page.andWhere(`(r.requestedAt ${comparison} :afterAt OR (r.requestedAt = :afterAt AND r.id ${comparison} :afterId))`, { afterAt: after.at, afterId: after.id });
    }
    page
      .orderBy("r.requestedAt", direction)
      .addOrderBy("r.id", direction)
      .limit(limit + 1);
    const rows = await page.getMany();
    const { edges, pageInfo } = toPage(rows, limit, (row) => ({ value: row.requestedAt.toISOString(), id: row.id }));
    return Object.assign({ edges, pageInfo, countTotal }) as AnalysisRequestConnection;
  }

  private applyFilter(qb: SelectQueryBuilder<AnalysisRequestEntity>, filter: AnalysisRequestFilter | null | undefined): void {
    if (!filter) return;
    const states = listFilter("states", filter.states);
    if (states) qb.andWhere("r.state IN (:...states)", { states });
    const actions = listFilter("actions", filter.actions);
    if (actions) {
      const unknown = actions.find((action) => !KNOWN_ACTIONS.has(action));
      if (unknown !== undefined) throw badInput("filter.actions", `${unknown.slice(0, 40)} is not a FileAction or AttkAction value`);
      qb.andWhere("r.action IN (:...actions)", { actions });
    }
    const organizationIds = listFilter("organizationIds", filter.organizationIds);
    if (organizationIds) qb.andWhere("r.organizationId IN (:...organizationIds)", { organizationIds });
    const caseIds = listFilter("caseIds", filter.caseIds);
    if (caseIds) qb.andWhere("r.caseId IN (:...caseIds)", { caseIds });
    if (filter.requestedBefore) qb.andWhere("r.requestedAt < :requestedBefore", { requestedBefore: filter.requestedBefore });
    if (filter.requestedSince) qb.andWhere("r.requestedAt >= :requestedSince", { requestedSince: filter.requestedSince });
    if (typeof filter.overdue === "boolean") {
      const waiting = `r.state IN (${OPEN_REQUEST_STATES.map((state) => `'${state}'`).join(", ")})`;
      whereOverdue(qb, { since: "r.requestedAt", severity: "r.caseSeverity", waiting }, filter.overdue, this.clock(), this.targets);
    }
  }
}
