import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { ConfigError, readInt } from "./env.js";

/*
 * Response targets: how many hours the support side has for its next response, by the case's
 * severity (docs/domain.md, "Response targets"). The cases subgraph applies them to cases waiting for
 * support, the threat-analysis subgraph to open analysis requests; both read the same variables.
 */

/** A case's severity, as both subgraphs store it. */
export type ResponseSeverity = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW";

/** Most severe first. */
export const RESPONSE_SEVERITIES: readonly ResponseSeverity[] = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];

/** Hours for the support side's next response, by severity. */
export type ResponseTargets = Readonly<Record<ResponseSeverity, number>>;

export const DEFAULT_RESPONSE_TARGET_HOURS: ResponseTargets = { CRITICAL: 4, HIGH: 8, MEDIUM: 24, LOW: 72 };

/** The variable of one severity's target: `RESPONSE_TARGET_CRITICAL_HOURS`, ... */
export function responseTargetVariable(severity: ResponseSeverity): string {
  return `RESPONSE_TARGET_${severity}_HOURS`;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * RESPONSE_TARGET_CRITICAL_HOURS, _HIGH_, _MEDIUM_ and _LOW_HOURS (defaults 4, 8, 24, 72): whole hours
 * from 1 to 8760. A more severe case never gets a longer target than a less severe one: such a setting
 * is a typo, and the service refuses to start, naming both variables.
 */
export function readResponseTargets(env: Record<string, string | undefined>): ResponseTargets {
  const targets = Object.fromEntries(RESPONSE_SEVERITIES.map((severity) => [severity, readInt(env, responseTargetVariable(severity), DEFAULT_RESPONSE_TARGET_HOURS[severity], { min: 1, max: 8760 })])) as Record<
    ResponseSeverity,
    number
  >;
  for (let i = 1; i < RESPONSE_SEVERITIES.length; i++) {
    const [more, less] = [RESPONSE_SEVERITIES[i - 1]!, RESPONSE_SEVERITIES[i]!];
    if (targets[more] > targets[less]) {
      throw new ConfigError(`${responseTargetVariable(more)} (${targets[more]}) must not be longer than ${responseTargetVariable(less)} (${targets[less]}): a more severe case never waits longer`);
    }
  }
  return Object.freeze(targets);
}

/** When the support side's response is due: `since` plus the severity's target. */
export function responseDueAt(since: Date, severity: ResponseSeverity, targets: ResponseTargets): Date {
  return new Date(since.getTime() + targets[severity] * HOUR_MS);
}

/** Past due: `now` is after the due time (at the due time itself, not yet). */
export function isOverdue(dueAt: Date | null, now: Date): boolean {
  return dueAt !== null && now.getTime() > dueAt.getTime();
}

/** The SQL columns (with their alias) that decide whether a row is overdue. */
export interface OverdueColumns {
  /** Where the waiting started, e.g. `c.subStatusChangedAt`. */
  since: string;
  /** The severity the target is taken from, e.g. `c.severity` (a NULL severity is never overdue). */
  severity: string;
  /** A fixed SQL condition (never built from input) that rows waiting for the support side meet, e.g. `c.status = 'OPEN'`. */
  waiting: string;
}

/**
 * Narrows a query to rows that are overdue at `now` (`overdue: true`) or that are not (`false`): a row
 * is overdue when it is waiting and its start lies more than its severity's target before `now`. One
 * range per severity, so an index on (waiting columns, severity, start) serves it; the condition is
 * written so that NULLs never make a row fall out of both answers.
 */
export function whereOverdue<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, columns: OverdueColumns, overdue: boolean, now: Date, targets: ResponseTargets): SelectQueryBuilder<T> {
  const params: Record<string, unknown> = {};
  const ranges = RESPONSE_SEVERITIES.map((severity) => {
    params[`overdueSeverity${severity}`] = severity;
    params[`overdueBefore${severity}`] = new Date(now.getTime() - targets[severity] * HOUR_MS);
    return `(${columns.severity} = :overdueSeverity${severity} AND ${columns.since} < :overdueBefore${severity})`;
  });
  const isOverdueSql = `(${columns.waiting} AND ${columns.severity} IS NOT NULL AND ${columns.since} IS NOT NULL AND (${ranges.join(" OR ")}))`;
  return qb.andWhere(overdue ? isOverdueSql : `NOT ${isOverdueSql}`, params);
}
