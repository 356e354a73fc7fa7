import { Actor, ActorRole } from "../../kit/actor.js";
import { type CaseActivity, CaseActivityKind } from "../../kit/case-activity-protocol.js";
import { CaseStatus, CaseSubStatus } from "../case/case.enums.js";
import { NotificationKind } from "../notification/notification.entity.js";

/**
 * What threat activity does to a case (docs/domain.md, "Threat activity on the case"): pure
 * functions, applied by CaseActivityService under the case's write lock.
 */

/** One history event of an activity: which field, old and new value, and the text that explains it. */
export interface ActivityHistory {
  field: string;
  oldValue: string | null;
  newValue: string | null;
  comment: string | null;
}

/** History `field` of a recorded result, by result type. */
export const RESULT_FIELDS: Record<string, string> = { FILE: "fileVerdict", URL: "urlRating", EMAIL: "emailVerdict", ATTK: "attkCollected" };

/** Sub-statuses in which the case waits for the customer: a customer's request answers that wait. */
export const WAITING_FOR_CUSTOMER: readonly CaseSubStatus[] = [CaseSubStatus.SOLUTION_PROVIDED, CaseSubStatus.INFORMATION_REQUESTED];

/** The history event an activity leaves on its case. */
export function historyOf(activity: CaseActivity): ActivityHistory {
  const d = activity.details;
  const value = (key: string) => d[key] ?? null;
  switch (activity.kind) {
    case CaseActivityKind.ANALYSIS_SUBMITTED:
      return { field: "analysis", oldValue: null, newValue: value("items"), comment: null };
    case CaseActivityKind.RESULT_RECORDED:
      return { field: RESULT_FIELDS[d.resultType ?? ""] ?? "result", oldValue: value("oldValue"), newValue: value("newValue"), comment: value("name") };
    case CaseActivityKind.REQUEST_MADE:
      return { field: "request", oldValue: null, newValue: "SUBMITTED", comment: requestText(d, value("comment")) };
    case CaseActivityKind.REQUEST_STARTED:
      return { field: "request", oldValue: value("previousState") ?? "SUBMITTED", newValue: "IN_PROGRESS", comment: requestText(d, null) };
    case CaseActivityKind.REQUEST_ANSWERED:
      return { field: "request", oldValue: value("previousState"), newValue: value("state"), comment: requestText(d, [value("response"), value("outcome")].filter(Boolean).join("\n") || null) };
  }
}

/** `[ACTION] subject`, then the request's comment or the answer on the following lines. */
function requestText(d: Record<string, string | null>, text: string | null): string {
  const head = `[${d.action ?? "-"}] ${d.subjectName ?? "-"}`;
  return text ? `${head}\n${text}` : head;
}

/** The e-mail an activity sends (registrant and CC list), or null. */
export function notificationOf(kind: CaseActivityKind): NotificationKind | null {
  switch (kind) {
    case CaseActivityKind.REQUEST_MADE:
      return NotificationKind.THREAT_REQUEST_MADE;
    case CaseActivityKind.REQUEST_STARTED:
      return NotificationKind.THREAT_REQUEST_STARTED;
    case CaseActivityKind.REQUEST_ANSWERED:
      return NotificationKind.THREAT_REQUEST_ANSWERED;
    default:
      return null;
  }
}

/** Customers and partners are the customer side: what they do counts as customer activity (auto-close, rule 13). */
export function isCustomerSide(role: string): boolean {
  return CUSTOMER_SIDE.includes(role);
}

const CUSTOMER_SIDE: readonly string[] = [ActorRole.CUSTOMER, ActorRole.PARTNER];

/**
 * A customer's request moves an open case that waits for the customer to CUSTOMER_UPDATED, as a
 * case update would (rule 4), but only when the case was already waiting when the request was made:
 * a request delivered late must not undo a sub-status an engineer set after it.
 */
export function movesToCustomerUpdated(activity: CaseActivity, c: { status: CaseStatus; subStatus: CaseSubStatus; subStatusChangedAt: Date }): boolean {
  return (
    activity.kind === CaseActivityKind.REQUEST_MADE &&
    isCustomerSide(activity.actor.role) &&
    c.status === CaseStatus.OPEN &&
    WAITING_FOR_CUSTOMER.includes(c.subStatus) &&
    c.subStatusChangedAt.getTime() <= new Date(activity.at).getTime()
  );
}

/** The history actor of an activity. */
export function actorOfActivity(activity: CaseActivity): Actor {
  return Object.assign(new Actor(), { id: activity.actor.id, name: activity.actor.name, role: activity.actor.role as ActorRole, email: activity.actor.email ?? null });
}

const KINDS = new Set<string>(Object.values(CaseActivityKind));
const ROLES = new Set<string>(Object.values(ActorRole));

/** Why a delivered activity cannot be applied as it is, or null when it can. */
export function invalidActivity(activity: CaseActivity): string | null {
  if (!activity.id || activity.id.length > 36) return "malformed activity id";
  if (!activity.caseId || activity.caseId.length > 36) return "malformed case id";
  if (!KINDS.has(activity.kind)) return `unknown activity kind ${activity.kind}`;
  if (!ROLES.has(activity.actor.role)) return `unknown actor role ${activity.actor.role}`;
  if (!activity.actor.id || !activity.actor.name) return "the actor needs an id and a name";
  if (Number.isNaN(new Date(activity.at).getTime())) return `malformed time ${activity.at}`;
  return null;
}
