import { randomUUID } from "node:crypto";
import { type DataSource, In } from "typeorm";
import type { CaseFeedEvent } from "../../kit/case-feed-protocol.js";
import type { Clock } from "../../kit/clock.js";
import { inTransaction } from "../../kit/transaction.js";
import { CaseFeedEventEntity } from "../case-feed/case-feed-event.entity.js";
import { toFeedEvent } from "../case-feed/case-feed.writer.js";
import type { WebhookConfig } from "../config.js";
import type { MailTransport } from "../notification/mail-transport.js";
import { type Resolver, resolveDeliveryTarget, systemResolver } from "./webhook.address.js";
import { WebhookDeliveryEntity, WebhookDeliveryStatus, WebhookEndpointEntity, WebhookEndpointStatus } from "./webhook.entity.js";
import { type DeliveryAgents, deliveryAgents, postPinned, type PostResult } from "./webhook.http.js";
import { disabledEndpointMail } from "./webhook.mail.js";
import { signedHeaders, signingSecrets } from "./webhook.signing.js";

export interface WebhookDispatcherOptions {
  config: Pick<WebhookConfig, "retryBaseSeconds" | "disableAfterFailures" | "timeoutSeconds" | "leaseSeconds" | "concurrency" | "allowedAddresses">;
  /** Where the e-mail to a disabled endpoint's contact goes (the case e-mails' transport). */
  mail?: { transport: MailTransport; from: string };
  /** Time source of due dates, leases, backoff and the signature's timestamp; tests move it instead of sleeping. */
  clock?: Clock;
  logger?: WebhookLogger;
  /** Name resolution of endpoint hosts (tests answer for names they do not own). */
  resolver?: Resolver;
  /** Deliveries claimed at once (default 100). */
  batchSize?: number;
}

export interface WebhookLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface WebhookDispatchSummary {
  delivered: number;
  retried: number;
  failed: number;
  /** Endpoints disabled by this run after too many consecutive failures. */
  disabled: number;
  /** E-mails sent to the contacts of disabled endpoints. */
  notices: number;
}

const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;
const MAX_BATCHES_PER_RUN = 50;
/** Successful deliveries recorded per transaction. */
const RECORD_BATCH = 25;

/** What the groups of one endpoint share during a batch. */
interface EndpointState {
  endpoint: WebhookEndpointEntity | undefined;
  /** Its failure count when the batch began; reset to 0 (once) after a success. */
  failuresBefore: number;
  /** Set by a failure: the endpoint's remaining deliveries of the batch wait until then. */
  backoffUntil: Date | null;
}

interface DeliveredAttempt {
  id: string;
  at: Date;
  status: number;
  latencyMs: number;
}
const KEPT_ERROR = 1000;

/** Backoff of an endpoint: `base`, 2×, 4×, ... after its 1st, 2nd, 3rd consecutive failure, capped at one hour. */
export function webhookRetryDelayMs(consecutiveFailures: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 1000 * 2 ** Math.min(30, Math.max(0, consecutiveFailures - 1)), MAX_RETRY_DELAY_MS);
}

/** The JSON body of a delivery (Standard Webhooks' recommended shape): the type, when it happened, and the feed event itself. */
export function webhookPayload(event: CaseFeedEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.at, data: event });
}

interface Claim {
  token: string;
  leaseExpiresAt: Date;
  rows: WebhookDeliveryEntity[];
  candidates: number;
}

type Outcome = { kind: "delivered"; result: PostResult & { status: number } } | { kind: "failed"; error: string; status: number | null; latencyMs: number | null; permanent?: boolean };

/**
 * Delivers the webhook deliveries the case feed's follower wrote. Any number of dispatchers (replicas)
 * may run over one database: deliveries are claimed with a lease (one conditional UPDATE, as the mail
 * outbox does), so each attempt is made by one of them. At least once: a crash between the answer and
 * its record repeats the delivery, with the same `webhook-id`.
 *
 * One case's deliveries to an endpoint go one after another, in feed order (each payload also carries
 * the case's `sequence`); other cases and endpoints are served side by side, up to WEBHOOK_CONCURRENCY. A failure backs the whole endpoint off (its other due
 * deliveries wait with the failed one), so a dead endpoint costs one attempt per backoff step, and is
 * disabled after WEBHOOK_DISABLE_AFTER_FAILURES consecutive failures (audit line, e-mail to its contact).
 */
export class WebhookDispatcher {
  private readonly clock: Clock;
  private readonly resolver: Resolver;
  private readonly batchSize: number;
  private stopping = false;
  private readonly agents: DeliveryAgents;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.resolver = options.resolver ?? systemResolver;
    this.batchSize = options.batchSize ?? 100;
    this.agents = deliveryAgents(options.config.concurrency);
  }

  /** Closes the kept-alive connections to the endpoints (`start`'s stop function does it too). */
  close(): void {
    this.agents.destroy();
  }

  /** Runs batches until nothing is due, then sends the e-mails of disabled endpoints. */
  async dispatchDue(): Promise<WebhookDispatchSummary> {
    const total: WebhookDispatchSummary = { delivered: 0, retried: 0, failed: 0, disabled: 0, notices: 0 };
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !this.stopping; batch++) {
      const { candidates, summary } = await this.dispatchBatch();
      for (const key of Object.keys(total) as (keyof WebhookDispatchSummary)[]) total[key] += summary[key];
      if (candidates < this.batchSize) break;
    }
    if (!this.stopping) total.notices += await this.sendDisabledNotices();
    return total;
  }

  /** Claims one batch of due deliveries (of enabled endpoints) and delivers them. */
  async dispatchBatch(): Promise<{ candidates: number; summary: WebhookDispatchSummary }> {
    const summary: WebhookDispatchSummary = { delivered: 0, retried: 0, failed: 0, disabled: 0, notices: 0 };
    const claim = await this.claim();
    if (claim.rows.length === 0) return { candidates: claim.candidates, summary };
    const endpoints = new Map((await this.dataSource.getRepository(WebhookEndpointEntity).findBy({ id: In([...new Set(claim.rows.map((r) => r.endpointId))]) })).map((e) => [e.id, e]));
    const events = new Map((await this.dataSource.getRepository(CaseFeedEventEntity).findBy({ position: In([...new Set(claim.rows.map((r) => r.eventId))]) })).map((row) => [row.position, toFeedEvent(row)]));
    // One group per endpoint and case: a case's events go one after another, in feed order; different
    // cases (and endpoints) side by side, at most WEBHOOK_CONCURRENCY requests at once.
    const states = new Map<string, EndpointState>();
    const groups = new Map<string, { state: EndpointState; rows: WebhookDeliveryEntity[] }>();
    for (const row of claim.rows) {
      let state = states.get(row.endpointId);
      if (!state) {
        const endpoint = endpoints.get(row.endpointId);
        state = { endpoint, failuresBefore: endpoint?.consecutiveFailures ?? 0, backoffUntil: null };
        states.set(row.endpointId, state);
      }
      const key = `${row.endpointId}/${row.caseId}`;
      const group = groups.get(key) ?? { state, rows: [] };
      group.rows.push(row);
      groups.set(key, group);
    }
    // Stop starting deliveries early enough that the slowest (the timeout) still ends under the lease.
    const deadline = claim.leaseExpiresAt.getTime() - 2 * this.options.config.timeoutSeconds * 1000;
    const queue = [...groups.values()];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await this.deliverGroup(claim.token, next.state, next.rows, events, deadline, summary);
    };
    await Promise.all(Array.from({ length: Math.min(this.options.config.concurrency, queue.length) }, worker));
    return { candidates: claim.candidates, summary };
  }

  /**
   * Runs `dispatchDue` now and every `intervalMs` (never two runs at once in this process). The returned
   * function stops: the run in progress ends after its current deliveries and gives the rest back.
   */
  start(intervalMs: number): () => Promise<void> {
    let running: Promise<void> | null = null;
    const tick = () => {
      if (running) return;
      running = this.dispatchDue()
        .then(
          (summary) => {
            if (summary.delivered + summary.retried + summary.failed + summary.disabled > 0) this.options.logger?.info({ ...summary }, "webhooks dispatched");
          },
          (error: unknown) => this.options.logger?.error({ err: error }, "webhook dispatch failed"),
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
      this.close();
    };
  }

  /** Due PENDING deliveries of enabled endpoints, unclaimed or with an expired lease; the attempt is counted when claimed. */
  private async claim(): Promise<Claim> {
    const now = this.clock();
    const token = randomUUID();
    const leaseExpiresAt = new Date(now.getTime() + this.options.config.leaseSeconds * 1000);
    const candidates: { id: string }[] = await this.dataSource
      .getRepository(WebhookDeliveryEntity)
      .createQueryBuilder("d")
      .innerJoin(WebhookEndpointEntity, "e", "e.id = d.endpointId")
      .select("d.id", "id")
      .where("d.status = :pending AND d.nextAttemptAt <= :now", { pending: WebhookDeliveryStatus.PENDING, now })
      .andWhere("(d.leaseExpiresAt IS NULL OR d.leaseExpiresAt <= :now)", { now })
      .andWhere("e.status = :enabled", { enabled: WebhookEndpointStatus.ENABLED })
      .orderBy("d.nextAttemptAt", "ASC")
      .addOrderBy("d.eventId", "ASC")
      .limit(this.batchSize)
      .getRawMany();
    if (candidates.length === 0) return { token, leaseExpiresAt, rows: [], candidates: 0 };
    const rows = await inTransaction(this.dataSource, async (tx) => {
      await tx
        .createQueryBuilder()
        .update(WebhookDeliveryEntity)
        .set({ claimToken: token, leaseExpiresAt, attempts: () => "attempts + 1" })
        .where("id IN (:...ids)", { ids: candidates.map((c) => c.id) })
        .andWhere("status = :pending AND next_attempt_at <= :now", { pending: WebhookDeliveryStatus.PENDING, now })
        .andWhere("(lease_expires_at IS NULL OR lease_expires_at <= :now)", { now })
        .execute();
      return tx.getRepository(WebhookDeliveryEntity).find({ where: { claimToken: token }, order: { eventId: "ASC" } });
    });
    return { token, leaseExpiresAt, rows, candidates: candidates.length };
  }

  /**
   * One case's claimed deliveries to one endpoint, in feed order. After a failure of any of the
   * endpoint's deliveries, the rest wait with it (given back, not attempted). Successes are recorded a
   * few at a time, in one transaction (one commit, not one per delivery); a crash before that only
   * repeats them (at least once, same webhook-id).
   */
  private async deliverGroup(token: string, state: EndpointState, rows: WebhookDeliveryEntity[], events: Map<number, CaseFeedEvent>, deadline: number, summary: WebhookDispatchSummary): Promise<void> {
    const { endpoint } = state;
    const delivered: DeliveredAttempt[] = [];
    const flush = async () => {
      if (delivered.length === 0) return;
      await this.recordDelivered(token, delivered.splice(0));
      if (endpoint && state.failuresBefore > 0 && !state.backoffUntil) {
        state.failuresBefore = 0;
        await this.dataSource.getRepository(WebhookEndpointEntity).update({ id: endpoint.id }, { consecutiveFailures: 0 });
      }
    };
    for (const [index, row] of rows.entries()) {
      if (this.stopping || this.clock().getTime() >= deadline || !endpoint || endpoint.status !== WebhookEndpointStatus.ENABLED || state.backoffUntil) {
        await flush();
        await this.giveBack(token, rows.slice(index), state.backoffUntil);
        return;
      }
      const event = events.get(row.eventId);
      const outcome: Outcome = event ? await this.attempt(endpoint, row, event) : { kind: "failed", error: "the event is no longer kept by the case feed", status: null, latencyMs: null, permanent: true };
      if (outcome.kind === "delivered") {
        delivered.push({ id: row.id, at: this.clock(), status: outcome.result.status, latencyMs: outcome.result.latencyMs });
        summary.delivered++;
        if (delivered.length >= RECORD_BATCH) await flush();
        continue;
      }
      await flush();
      const next = await this.recordFailure(token, endpoint, row, outcome, summary);
      if (next) {
        state.backoffUntil = next;
        await this.giveBack(token, rows.slice(index + 1), next);
        return;
      }
    }
    await flush();
  }

  private async attempt(endpoint: WebhookEndpointEntity, row: WebhookDeliveryEntity, event: CaseFeedEvent): Promise<Outcome> {
    let target;
    try {
      target = await resolveDeliveryTarget(endpoint.url, { allowedAddresses: this.options.config.allowedAddresses }, this.resolver);
    } catch (error) {
      return { kind: "failed", error: `refused: ${(error as Error).message}`, status: null, latencyMs: null };
    }
    const now = this.clock();
    const payload = webhookPayload(event);
    const headers = signedHeaders(row.id, now, payload, signingSecrets(endpoint, now));
    const result = await postPinned(target, headers, payload, { timeoutMs: this.options.config.timeoutSeconds * 1000, agents: this.agents });
    if (result.status !== null && result.status >= 200 && result.status < 300) return { kind: "delivered", result };
    if (result.status === null) return { kind: "failed", error: result.error, status: null, latencyMs: result.latencyMs };
    const why = result.status >= 300 && result.status < 400 ? `HTTP ${result.status} (redirects are not followed)` : `HTTP ${result.status}`;
    return { kind: "failed", error: result.body ? `${why}: ${result.body}` : why, status: result.status, latencyMs: result.latencyMs };
  }

  private async recordDelivered(token: string, attempts: DeliveredAttempt[]): Promise<void> {
    const lost = await inTransaction(this.dataSource, async (tx) => {
      const missed: string[] = [];
      for (const attempt of attempts) {
        const done = await tx
          .createQueryBuilder()
          .update(WebhookDeliveryEntity)
          .set({ status: WebhookDeliveryStatus.DELIVERED, deliveredAt: attempt.at, lastAttemptAt: attempt.at, responseStatus: attempt.status, latencyMs: attempt.latencyMs, lastError: null, leaseExpiresAt: null })
          .where("id = :id AND claim_token = :token AND status = :pending", { id: attempt.id, token, pending: WebhookDeliveryStatus.PENDING })
          .execute();
        if (done.affected !== 1) missed.push(attempt.id);
      }
      return missed;
    });
    for (const deliveryId of lost) this.options.logger?.warn({ deliveryId }, "webhook claim was lost before its outcome was recorded");
  }

  /**
   * Records a failed attempt: the endpoint's failure count goes up, which sets when it is tried next;
   * the delivery is FAILED once that is past its `retryUntil`. The endpoint's other due deliveries wait
   * until then too. Returns that time (null when the delivery failed for good but the endpoint need not wait).
   */
  private async recordFailure(token: string, endpoint: WebhookEndpointEntity, row: WebhookDeliveryEntity, outcome: Extract<Outcome, { kind: "failed" }>, summary: WebhookDispatchSummary): Promise<Date | null> {
    const now = this.clock();
    const config = this.options.config;
    const lastError = outcome.error.slice(0, KEPT_ERROR);
    const common = { lastAttemptAt: now, responseStatus: outcome.status, latencyMs: outcome.latencyMs, lastError };
    if (outcome.permanent) {
      await this.dataSource
        .createQueryBuilder()
        .update(WebhookDeliveryEntity)
        .set({ ...common, status: WebhookDeliveryStatus.FAILED, leaseExpiresAt: null })
        .where("id = :id AND claim_token = :token", { id: row.id, token })
        .execute();
      summary.failed++;
      return null;
    }
    this.options.logger?.warn({ deliveryId: row.id, endpointId: endpoint.id, attempt: row.attempts, error: lastError }, "webhook delivery failed");
    const { failures, disabled } = await inTransaction(this.dataSource, async (tx) => {
      await tx
        .createQueryBuilder()
        .update(WebhookEndpointEntity)
        .set({ consecutiveFailures: () => "consecutive_failures + 1" })
        .where("id = :id", { id: endpoint.id })
        .execute();
      const { consecutiveFailures } = await tx.getRepository(WebhookEndpointEntity).findOneByOrFail({ id: endpoint.id });
      const next = new Date(now.getTime() + webhookRetryDelayMs(consecutiveFailures, config.retryBaseSeconds));
      const gaveUp = next.getTime() > row.retryUntil.getTime();
      await tx
        .createQueryBuilder()
        .update(WebhookDeliveryEntity)
        .set(gaveUp ? { ...common, status: WebhookDeliveryStatus.FAILED, leaseExpiresAt: null } : { ...common, nextAttemptAt: next, claimToken: null, leaseExpiresAt: null })
        .where("id = :id AND claim_token = :token AND status = :pending", { id: row.id, token, pending: WebhookDeliveryStatus.PENDING })
        .execute();
      // The endpoint's other deliveries due before then wait with this one (not counted as attempts).
      await tx
        .createQueryBuilder()
        .update(WebhookDeliveryEntity)
        .set({ nextAttemptAt: next })
        .where("endpoint_id = :endpointId AND status = :pending AND next_attempt_at < :next", { endpointId: endpoint.id, pending: WebhookDeliveryStatus.PENDING, next })
        .andWhere("(claim_token IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= :now)", { now })
        .execute();
      let disabled = false;
      if (consecutiveFailures >= config.disableAfterFailures) {
        const reason = `disabled after ${consecutiveFailures} consecutive failed deliveries; the last: ${lastError}`.slice(0, 500);
        const result = await tx
          .createQueryBuilder()
          .update(WebhookEndpointEntity)
          .set({ status: WebhookEndpointStatus.DISABLED, disabledAt: now, disabledReason: reason, disabledNoticeDueAt: now, disabledNoticeLeaseExpiresAt: null, updatedAt: now })
          .where("id = :id AND status = :enabled", { id: endpoint.id, enabled: WebhookEndpointStatus.ENABLED })
          .execute();
        disabled = result.affected === 1;
        if (disabled) Object.assign(endpoint, { status: WebhookEndpointStatus.DISABLED, disabledAt: now, disabledReason: reason });
      }
      return { failures: { consecutiveFailures, next, gaveUp }, disabled };
    });
    endpoint.consecutiveFailures = failures.consecutiveFailures;
    if (failures.gaveUp) summary.failed++;
    else summary.retried++;
    if (disabled) {
      summary.disabled++;
      // The audit line: who (the dispatcher), what (which endpoint of which partner), why.
      this.options.logger?.warn(
        { event: "webhook_endpoint_disabled", actor: "webhook-dispatcher", partnerId: endpoint.partnerId, endpointId: endpoint.id, url: endpoint.url, consecutiveFailures: failures.consecutiveFailures, lastError },
        "webhook endpoint disabled",
      );
    }
    return failures.next;
  }

  /** Gives claimed deliveries back unattempted: at `nextAttemptAt` when given, else when they were due. */
  private async giveBack(token: string, rows: WebhookDeliveryEntity[], nextAttemptAt: Date | null): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ claimToken: null, leaseExpiresAt: null, attempts: () => "attempts - 1", ...(nextAttemptAt ? { nextAttemptAt } : {}) })
      .where("id IN (:...ids) AND claim_token = :token AND status = :pending", { ids: rows.map((r) => r.id), token, pending: WebhookDeliveryStatus.PENDING })
      .execute();
  }

  /**
   * E-mails the contact of each endpoint disabled after failures (written with the disabling, so it
   * survives a crash); claimed with a lease like the deliveries, retried after it on a mail failure.
   */
  async sendDisabledNotices(): Promise<number> {
    const mail = this.options.mail;
    if (!mail) return 0;
    const now = this.clock();
    const due = await this.dataSource
      .getRepository(WebhookEndpointEntity)
      .createQueryBuilder("e")
      .where("e.disabledNoticeDueAt IS NOT NULL AND e.disabledNoticeDueAt <= :now", { now })
      .andWhere("(e.disabledNoticeLeaseExpiresAt IS NULL OR e.disabledNoticeLeaseExpiresAt <= :now)", { now })
      .limit(20)
      .getMany();
    let sent = 0;
    for (const endpoint of due) {
      const leaseExpiresAt = new Date(now.getTime() + this.options.config.leaseSeconds * 1000);
      const claimed = await this.dataSource
        .createQueryBuilder()
        .update(WebhookEndpointEntity)
        .set({ disabledNoticeLeaseExpiresAt: leaseExpiresAt })
        .where("id = :id AND disabled_notice_due_at IS NOT NULL", { id: endpoint.id })
        .andWhere("(disabled_notice_lease_expires_at IS NULL OR disabled_notice_lease_expires_at <= :now)", { now })
        .execute();
      if (claimed.affected !== 1) continue;
      try {
        await mail.transport.deliver(disabledEndpointMail(endpoint, mail.from));
        await this.dataSource.getRepository(WebhookEndpointEntity).update({ id: endpoint.id }, { disabledNoticeDueAt: null, disabledNoticeLeaseExpiresAt: null });
        this.options.logger?.info({ event: "webhook_disabled_notice_sent", endpointId: endpoint.id, partnerId: endpoint.partnerId, to: endpoint.contactEmail }, "webhook disabled notice sent");
        sent++;
      } catch (error) {
        this.options.logger?.warn({ endpointId: endpoint.id, error: (error as Error).message }, "webhook disabled notice could not be sent; retried after the lease");
      }
    }
    return sent;
  }
}
