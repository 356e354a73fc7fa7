/*
 * Case activity that happens outside the cases subgraph (threat-analysis submissions, recorded
 * results, customer requests and their answers) and must still show in the case's history, move its
 * `updatedAt`, count as customer activity and send mail. The subgraph where the change happens writes
 * the activity into its own outbox, in the same transaction as the change; the gateway's relay
 * delivers it to the cases subgraph, which applies each activity once (its id is the idempotency key).
 * Nothing is lost while the cases subgraph is down: the row waits in the outbox until delivered.
 */

/** What happened. */
export enum CaseActivityKind {
  /** A customer submitted files, URLs, e-mails or ATTK logs for analysis. */
  ANALYSIS_SUBMITTED = "ANALYSIS_SUBMITTED",
  /** An engineer recorded a result (a verdict, a rating, an ATTK collection). */
  RESULT_RECORDED = "RESULT_RECORDED",
  /** A customer (or partner) made a request on a result. */
  REQUEST_MADE = "REQUEST_MADE",
  /** An engineer started working on a request. */
  REQUEST_STARTED = "REQUEST_STARTED",
  /** An engineer answered a request: DONE or REJECTED, with a response text. */
  REQUEST_ANSWERED = "REQUEST_ANSWERED",
}

/** Who did it, as the history shows it (the same fields as kit/actor.ts's Actor). */
export interface CaseActivityActor {
  id: string;
  name: string;
  role: "CUSTOMER" | "PARTNER" | "ENGINEER" | "SYSTEM";
  email: string | null;
}

/**
 * One activity, as written to the outbox and delivered to the cases subgraph. `details` holds short
 * strings only, by kind:
 * - ANALYSIS_SUBMITTED: `items` (the names/URLs submitted, comma-separated)
 * - RESULT_RECORDED: `resultType` (FILE, URL, EMAIL, ATTK), `name` (file name, URL or e-mail name), `oldValue`, `newValue` (verdict/rating/collected)
 * - REQUEST_MADE: `requestId`, `action`, `subjectName`, `comment`
 * - REQUEST_STARTED: `requestId`, `action`, `subjectName`
 * - REQUEST_ANSWERED: `requestId`, `action`, `subjectName`, `state` (DONE or REJECTED), `response`, `outcome` (a one-line summary of what was recorded, or null)
 * - REQUEST_STARTED and REQUEST_ANSWERED may add `previousState` (the request's state before): the history's old value
 *   (without it: SUBMITTED for a start, none for an answer).
 * Any kind may add what the case's search finds it by (the cases subgraph keeps them in the case's
 * searchable text): `detectionName` (a detection name the change recorded: a file's verdict, an
 * e-mail's file, an answered request's outcome) and `urls` (URLs it submitted or recorded, one per line).
 * Every kind with an `action` or a request state also carries the threat-analysis subgraph's words for
 * them, `actionLabel.<locale>` and `stateLabel.<locale>` (ja, en), so that mail names them as the
 * vocabulary does.
 */
export interface CaseActivity {
  /** Unique; the cases subgraph applies an id once, however often it is delivered. */
  id: string;
  caseId: string;
  organizationId: string;
  kind: CaseActivityKind;
  actor: CaseActivityActor;
  /** When the change committed, ISO 8601. */
  at: string;
  details: Record<string, string | null>;
}

/*
 * Delivery: the operations the gateway's relay speaks (gateway/relay/case-activity-relay.ts). Every
 * field is `@inaccessible` and accepts only the relay's system principal (`isRelay`).
 */

/** threat-analysis (relay only): claims due activities for one relay pass, oldest first, with a lease. */
export const CLAIM_CASE_ACTIVITIES = `mutation ClaimCaseActivities($limit: Int!) {
  claimCaseActivities(limit: $limit) { claimToken activities { id caseId organizationId kind at actor { id name role email } details { key value } } }
}`;

/** cases (relay only): applies delivered activities, each once; answers one result per activity. */
export const APPLY_CASE_ACTIVITIES = `mutation ApplyCaseActivities($activities: [CaseActivityInput!]!) {
  applyCaseActivities(activities: $activities) { id applied error }
}`;

/** threat-analysis (relay only): reports how the claimed activities went; delivered ones leave the outbox. */
export const ACK_CASE_ACTIVITIES = `mutation AckCaseActivities($claimToken: ID!, $deliveries: [CaseActivityDeliveryInput!]!) {
  ackCaseActivities(claimToken: $claimToken, deliveries: $deliveries)
}`;

/** One `details` entry on the wire (GraphQL has no map type). */
export interface CaseActivityDetail {
  key: string;
  value: string | null;
}

/** An activity as the claim and apply operations carry it. */
export type CaseActivityWire = Omit<CaseActivity, "details"> & { details: CaseActivityDetail[] };

export interface CaseActivityBatch {
  /** Identifies this pass's claim; acknowledgements with another token are ignored. */
  claimToken: string;
  activities: CaseActivityWire[];
}

/** What the cases subgraph answers for one activity: applied (now, or already before), or why not. */
export interface CaseActivityResult {
  id: string;
  applied: boolean;
  error?: string | null;
}

/** What the relay reports for one claimed activity. */
export interface CaseActivityDelivery {
  id: string;
  delivered: boolean;
  error?: string | null;
}

export function detailsToWire(details: Record<string, string | null>): CaseActivityDetail[] {
  return Object.entries(details).map(([key, value]) => ({ key, value: value ?? null }));
}

export function detailsFromWire(details: readonly { key: string; value?: string | null }[]): Record<string, string | null> {
  return Object.fromEntries(details.map(({ key, value }) => [key, value ?? null]));
}
