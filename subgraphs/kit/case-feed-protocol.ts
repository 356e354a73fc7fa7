/*
 * The case feed: every committed change to a case, from any subgraph, as one ordered stream of events.
 *
 * The cases subgraph writes each event in the same transaction as the change it describes (its own
 * commands, and the case activity the relay delivers from the threat-analysis subgraph's outbox, which
 * that subgraph wrote in the transaction of its change). So a change without its event, or an event
 * without its change, cannot exist. Events are kept for CASE_FEED_RETENTION_DAYS (at least 7).
 *
 * Readers: the gateway's live subscriptions (they tail the feed and resolve each event through the
 * federated graph as the subscriber), and partner webhooks (delivered from an outbox the cases
 * subgraph fills in the same transaction as the event).
 */

import { CaseActivityKind } from "./case-activity-protocol.js";

/** What happened to the case. One command may write several events (an update with files: UPDATE_ADDED, then FILES_ATTACHED). */
export enum CaseFeedEventType {
  /** A case was registered. Changes: status, subStatus (and registrant when registered on someone's behalf). */
  CASE_CREATED = "CASE_CREATED",
  /** Severity, business impact or CC e-mails changed. */
  CASE_CHANGED = "CASE_CHANGED",
  /** An engineer moved the sub-status of an open case. */
  STATUS_CHANGED = "STATUS_CHANGED",
  /** The case closed: by the customer, an engineer, or the portal after days without a customer response. */
  CASE_CLOSED = "CASE_CLOSED",
  /** A closed case was reopened by an update. */
  CASE_REOPENED = "CASE_REOPENED",
  /** Someone posted a case update (its id is `updateId`); a customer's update may move the sub-status. */
  UPDATE_ADDED = "UPDATE_ADDED",
  /** Files joined the case, with its registration or an update. Changes: `attachments` (the file ids). */
  FILES_ATTACHED = "FILES_ATTACHED",
  /** Threat analysis: files, URLs, e-mails or ATTK logs were submitted. */
  ANALYSIS_SUBMITTED = "ANALYSIS_SUBMITTED",
  /** Threat analysis: an engineer recorded a result. */
  RESULT_RECORDED = "RESULT_RECORDED",
  /** Threat analysis: a request on a result (false positive, re-analysis, pattern file...). */
  REQUEST_MADE = "REQUEST_MADE",
  /** Threat analysis: an engineer started on a request. */
  REQUEST_STARTED = "REQUEST_STARTED",
  /** Threat analysis: an engineer answered a request. */
  REQUEST_ANSWERED = "REQUEST_ANSWERED",
}

export const CASE_FEED_EVENT_TYPES: readonly CaseFeedEventType[] = Object.values(CaseFeedEventType);

/** The feed event of each kind of case activity the threat-analysis subgraph reports. */
export const FEED_TYPE_OF_ACTIVITY: Readonly<Record<CaseActivityKind, CaseFeedEventType>> = {
  [CaseActivityKind.ANALYSIS_SUBMITTED]: CaseFeedEventType.ANALYSIS_SUBMITTED,
  [CaseActivityKind.RESULT_RECORDED]: CaseFeedEventType.RESULT_RECORDED,
  [CaseActivityKind.REQUEST_MADE]: CaseFeedEventType.REQUEST_MADE,
  [CaseActivityKind.REQUEST_STARTED]: CaseFeedEventType.REQUEST_STARTED,
  [CaseActivityKind.REQUEST_ANSWERED]: CaseFeedEventType.REQUEST_ANSWERED,
};

/** One changed field: old and new value as the case history shows them (lists comma-separated). */
export interface CaseFeedChange {
  field: string;
  oldValue: string | null;
  newValue: string | null;
}

/** Who made the change, as clients see actors (no e-mail address: that stays in the cases database). */
export interface CaseFeedActor {
  id: string;
  name: string;
  role: "CUSTOMER" | "PARTNER" | "ENGINEER" | "SYSTEM";
}

/** One event, as the feed stores it and as the gateway and webhooks carry it. */
export interface CaseFeedEvent {
  /**
   * The event's position in the feed, a decimal string: unique, and increasing in commit order across
   * the whole feed, so also within one case. `after: <id>` resumes right after it.
   */
  id: string;
  /** 1, 2, 3... within the case, without gaps (kept across retention: a case's numbers never restart). */
  sequence: number;
  type: CaseFeedEventType;
  caseId: string;
  organizationId: string;
  actor: CaseFeedActor;
  /** When the change committed, ISO 8601. */
  at: string;
  changes: CaseFeedChange[];
  /** The case update the event is about (UPDATE_ADDED, CASE_REOPENED, FILES_ATTACHED with an update). */
  updateId: string | null;
}

/** Compares two event ids (positions) numerically. */
export function compareFeedIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** True for a well-formed event id ("0" means "from the start of what is kept"). */
export function isFeedId(value: string): boolean {
  return /^(0|[1-9][0-9]{0,17})$/.test(value);
}

/**
 * cases (relay principal only, `@inaccessible`): `caseFeedSince(after, first, caseId, organizationIds)`
 * answers the events after `after`, oldest first, at most `first`; optionally only one case's or only
 * some organizations'. `head` is the newest event id in the feed (whatever the filters), `oldest` the
 * oldest still kept (null when the feed is empty): an `after` older than `oldest - 1` has lost events to
 * retention. The gateway's subscriptions tail the feed with it (gateway/subscriptions/case-feed-tailer.ts).
 */
export interface CaseFeedSlice {
  head: string;
  oldest: string | null;
  events: CaseFeedEvent[];
}

/** The most events one `caseFeedSince` answer carries. */
export const MAX_FEED_SLICE = 500;
