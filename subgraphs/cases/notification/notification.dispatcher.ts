import type { DataSource } from "typeorm";
import { InquiryType } from "../case/case.enums.js";
import type { Clock } from "../case/case.service.js";
import { type NotificationEntity, NotificationState } from "./notification.entity.js";
import { mailLocale } from "./notification.labels.js";
import { type CaseMailFacts, claimDueNotifications, loadCaseMailFacts, type NotificationOutcome, recordOutcome, releaseClaim } from "./notification.outbox.js";
import { caseUrl, composeNotificationMail } from "./notification.templates.js";
import { isDatabaseUnavailable } from "../../kit/database-errors.js";
import { classifyDeliveryError, type MailTransport, type OutgoingMail } from "./mail-transport.js";

export interface DispatcherOptions {
  transport: MailTransport;
  /** Header From and envelope sender. */
  from: string;
  portalUrl: string;
  maxAttempts: number;
  retryBaseSeconds: number;
  leaseSeconds: number;
  /** Rows claimed at once (default 20). */
  batchSize?: number;
  /** Time source of due dates, leases and backoff; tests advance it instead of sleeping. */
  clock?: Clock;
  logger?: DispatchLogger;
  /** Waits between tries of recording an outcome while the database is unreachable; tests pass one that moves their clock. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface DispatchLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface DispatchSummary {
  sent: number;
  retried: number;
  failed: number;
  skipped: number;
}

const SUMMARY_KEY: Record<NotificationState, keyof DispatchSummary> = {
  [NotificationState.SENT]: "sent",
  [NotificationState.PENDING]: "retried",
  [NotificationState.FAILED]: "failed",
  [NotificationState.SKIPPED]: "skipped",
};
const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;
/** A tick never runs forever, even if the outbox grows as fast as it drains. */
const MAX_BATCHES_PER_RUN = 50;

/** Exponential backoff: `base`, 2×, 4×, ... after the 1st, 2nd, 3rd failed attempt, capped at one hour. */
export function retryDelayMs(failedAttempts: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 1000 * 2 ** Math.max(0, failedAttempts - 1), MAX_RETRY_DELAY_MS);
}

/**
 * Delivers the notification outbox. Any number of dispatchers (replicas) may run over the same
 * database: rows are claimed atomically (see `claimDueNotifications`), so each message is sent once.
 * A crash between sending and recording can still repeat a message after the lease expires; the
 * Message-ID is derived from the row id so that receiving systems can recognise the repeat.
 */
export class NotificationDispatcher {
  private readonly clock: Clock;
  private readonly batchSize: number;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: DispatcherOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.batchSize = options.batchSize ?? 20;
  }

  /** Runs batches until no due row is left; returns what happened. */
  async dispatchDue(): Promise<DispatchSummary> {
    const total: DispatchSummary = { sent: 0, retried: 0, failed: 0, skipped: 0 };
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !this.stopping; batch++) {
      const { candidates, summary } = await this.dispatchBatch();
      for (const key of Object.keys(total) as (keyof DispatchSummary)[]) total[key] += summary[key];
      // A full batch of candidates means more may be due, even if other dispatchers won this one.
      if (candidates < this.batchSize) break;
    }
    return total;
  }

  /** Claims one batch of due rows and delivers each of them. */
  async dispatchBatch(): Promise<{ candidates: number; summary: DispatchSummary }> {
    const summary: DispatchSummary = { sent: 0, retried: 0, failed: 0, skipped: 0 };
    const claim = await claimDueNotifications(this.dataSource, this.clock(), this.options.leaseSeconds * 1000, this.batchSize);
    if (claim.rows.length === 0) return { candidates: claim.candidates, summary };
    const facts = await loadCaseMailFacts(
      this.dataSource,
      claim.rows.map((row) => row.caseId),
    );
    // Stop early enough that a slow SMTP server cannot make the lease run out under a send; on
    // shutdown, give the rest back at once rather than leave it to the lease.
    const deadline = claim.leaseExpiresAt.getTime() - Math.min(60_000, (this.options.leaseSeconds * 1000) / 5);
    for (const [index, row] of claim.rows.entries()) {
      if (this.stopping || this.clock().getTime() >= deadline) {
        await releaseClaim(
          this.dataSource,
          claim.token,
          claim.rows.slice(index).map((r) => r.id),
        );
        break;
      }
      const outcome = await this.deliver(row, facts.get(row.caseId));
      const recorded = await this.record(row.id, claim.token, outcome, claim.leaseExpiresAt);
      if (!recorded) this.options.logger?.warn({ notificationId: row.id }, "notification claim was lost before its outcome was recorded");
      summary[SUMMARY_KEY[outcome.state]]++;
    }
    return { candidates: claim.candidates, summary };
  }

  /**
   * Runs `dispatchDue` now and every `intervalMs` (never two runs at once in this process).
   * Returns a function that stops: it ends the run in progress after its current message, gives the
   * rest of its claim back, and resolves when that is done.
   */
  start(intervalMs: number): () => Promise<void> {
    let running: Promise<void> | null = null;
    const tick = () => {
      if (running) return;
      running = this.dispatchDue()
        .then(
          (summary) => {
            if (summary.sent + summary.retried + summary.failed > 0) this.options.logger?.info({ ...summary }, "notifications dispatched");
          },
          (error: unknown) => this.options.logger?.error({ err: error }, "notification dispatch failed"),
        )
        .finally(() => {
          running = null;
        });
    };
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    tick();
    return async () => {
      clearInterval(timer);
      this.stopping = true;
      await running;
    };
  }

  /**
   * Records what happened to a message. The message has left already: while the database cannot be
   * reached (a restart, a failover), keep trying until the lease is nearly over, rather than let the
   * lease run out and another dispatcher send it a second time.
   */
  private async record(id: string, token: string, outcome: NotificationOutcome, leaseExpiresAt: Date): Promise<boolean> {
    const lastTry = leaseExpiresAt.getTime() - Math.min(5_000, (this.options.leaseSeconds * 1000) / 10);
    for (let attempt = 1; ; attempt++) {
      try {
        return await recordOutcome(this.dataSource, id, token, outcome);
      } catch (error) {
        if (!isDatabaseUnavailable(error) || this.clock().getTime() >= lastTry) throw error;
        this.options.logger?.warn({ notificationId: id, attempt }, "database unreachable while recording a sent notification: retrying");
        await (this.options.sleep ?? defaultSleep)(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  }

  private async deliver(row: NotificationEntity, facts: CaseMailFacts | undefined): Promise<NotificationOutcome> {
    const { maxAttempts } = this.options;
    if (row.attempts > maxAttempts) {
      return { state: NotificationState.FAILED, lastError: `gave up after ${maxAttempts} attempts; the last one never finished${row.lastError ? ` (before: ${row.lastError})` : ""}`.slice(0, 1000) };
    }
    if (!facts) return { state: NotificationState.FAILED, lastError: `case ${row.caseId} not found` };
    const recipients = distinctAddresses(row.recipients);
    if (recipients.length === 0) return { state: NotificationState.SKIPPED, lastError: "no recipient address" };
    try {
      const report = await this.options.transport.deliver(this.compose(row, facts, recipients));
      const rejected = report.rejected.length ? `refused by the server: ${report.rejected.join(", ")}${report.rejectedReason ? ` (${report.rejectedReason})` : ""}` : null;
      return { state: NotificationState.SENT, sentAt: this.clock(), lastError: rejected?.slice(0, 1000) ?? null };
    } catch (error) {
      const failure = classifyDeliveryError(error);
      this.options.logger?.warn({ notificationId: row.id, attempt: row.attempts, permanent: failure.permanent, error: failure.message }, "notification delivery failed");
      if (failure.permanent || row.attempts >= maxAttempts) return { state: NotificationState.FAILED, lastError: failure.message };
      const nextAttemptAt = new Date(this.clock().getTime() + retryDelayMs(row.attempts, this.options.retryBaseSeconds));
      return { state: NotificationState.PENDING, nextAttemptAt, lastError: failure.message };
    }
  }

  /** The registrant (when among the recipients) is addressed in To, the CC list in Cc; the envelope is exactly the row's recipients. */
  private compose(row: NotificationEntity, facts: CaseMailFacts, recipients: string[]): OutgoingMail {
    const locale = mailLocale(facts.locale);
    const mail = composeNotificationMail({
      kind: row.kind,
      details: row.details,
      at: row.createdAt,
      caseNumber: facts.caseNumber,
      title: facts.title,
      severity: facts.severity,
      threat: facts.inquiryType === InquiryType.THREAT,
      locale,
      caseUrl: caseUrl(this.options.portalUrl, facts.caseNumber),
    });
    const registrant = facts.registrantEmail?.toLowerCase();
    const isRegistrant = (address: string) => address.toLowerCase() === registrant;
    const to = recipients.some(isRegistrant) ? recipients.filter(isRegistrant) : recipients;
    const cc = recipients.filter((address) => !to.includes(address));
    return {
      id: row.id,
      from: this.options.from,
      to,
      cc,
      envelopeTo: recipients,
      ...mail,
      headers: { "X-Casegraph-Case": facts.caseNumber, "X-Casegraph-Notification": row.kind, "Auto-Submitted": "auto-generated" },
      label: `${facts.caseNumber}_${row.kind}`,
      at: row.createdAt,
    };
  }
}

/** The row's recipients, each once (case-insensitively, first spelling kept). */
function distinctAddresses(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((address) => {
    const key = address.trim().toLowerCase();
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
