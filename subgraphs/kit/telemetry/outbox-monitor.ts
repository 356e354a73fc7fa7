import { Gauge } from "prom-client";
import { type DataSource, type EntityTarget, In, type ObjectLiteral } from "typeorm";
import { readInt } from "../env.js";
import type { ServiceMetrics } from "./metrics.js";

/** One outbox table: rows written with a change, delivered later, in a state column that says which are still to go. */
export interface OutboxDefinition {
  /** Its name in metrics (`outbox` label) and on `/ready`: the table's name reads best. */
  name: string;
  entity: EntityTarget<ObjectLiteral>;
  /** Property of the row's state, and the states of rows still to be delivered (the backlog); absent when a delivered row is deleted, so every row waits. */
  waiting?: { state: string; pending: readonly string[] };
  /** Property of when the row was written. */
  created: string;
}

/**
 * An outbox to watch, typed against its entity (a misspelt property fails the build). A service adds one
 * with a line, e.g. `defineOutbox({ name: "notification_outbox", entity: NotificationEntity, state: "state",
 * pending: [NotificationState.PENDING], created: "createdAt" })`.
 */
export function defineOutbox<T extends ObjectLiteral>(definition: { name: string; entity: EntityTarget<T>; state: keyof T & string; pending: readonly string[]; created: keyof T & string }): OutboxDefinition {
  return { name: definition.name, entity: definition.entity, waiting: { state: definition.state, pending: definition.pending }, created: definition.created };
}

/** An outbox whose delivered rows are deleted: every row is waiting (e.g. threat-analysis's case activity). */
export function defineDeletingOutbox<T extends ObjectLiteral>(definition: { name: string; entity: EntityTarget<T>; created: keyof T & string }): OutboxDefinition {
  return definition;
}

/** When an outbox counts as falling behind (`/ready` says `degraded`). */
export interface OutboxThresholds {
  /** More rows than this waiting (OUTBOX_DEGRADED_BACKLOG). */
  backlog: number;
  /** The oldest waiting row older than this (OUTBOX_DEGRADED_AGE_SECONDS). */
  ageSeconds: number;
}

/** OUTBOX_DEGRADED_BACKLOG (default 1000 rows) and OUTBOX_DEGRADED_AGE_SECONDS (default 900: the mail dispatcher runs every 10 s). */
export function readOutboxThresholds(env: Record<string, string | undefined>): OutboxThresholds {
  return { backlog: readInt(env, "OUTBOX_DEGRADED_BACKLOG", 1000), ageSeconds: readInt(env, "OUTBOX_DEGRADED_AGE_SECONDS", 900) };
}

export interface OutboxReading {
  outbox: string;
  /** Rows waiting to be delivered. */
  backlog: number;
  /** Age of the oldest waiting row; 0 when none waits. */
  oldestAgeSeconds: number;
}

export interface DegradedOutbox extends OutboxReading {
  /** Which threshold it is over, in words. */
  reason: string;
}

/**
 * Backlog and oldest age of a service's outboxes, for `/metrics` (`casegraph_outbox_backlog{outbox}`,
 * `casegraph_outbox_oldest_age_seconds{outbox}`) and `/ready` (degraded, still 200, over a threshold).
 * Two indexed reads per outbox, at scrape or probe time; a scrape and a probe at once share one reading.
 */
export class OutboxMonitor {
  private reading: Promise<OutboxReading[]> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outboxes: readonly OutboxDefinition[],
    private readonly options: { clock: () => Date; thresholds: OutboxThresholds },
  ) {}

  /** The current backlog of every outbox. */
  read(): Promise<OutboxReading[]> {
    this.reading ??= Promise.all(this.outboxes.map((outbox) => this.readOne(outbox))).finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readOne(outbox: OutboxDefinition): Promise<OutboxReading> {
    const repository = this.dataSource.getRepository(outbox.entity);
    const where = outbox.waiting ? { [outbox.waiting.state]: In([...outbox.waiting.pending]) } : {};
    const backlog = await repository.count({ where });
    if (backlog === 0) return { outbox: outbox.name, backlog, oldestAgeSeconds: 0 };
    const oldest = await repository.findOne({ where, order: { [outbox.created]: "ASC" }, select: { [outbox.created]: true } });
    const createdAt = oldest?.[outbox.created] as Date | undefined;
    const oldestAgeSeconds = createdAt ? Math.max(0, (this.options.clock().getTime() - createdAt.getTime()) / 1000) : 0;
    return { outbox: outbox.name, backlog, oldestAgeSeconds };
  }

  /** The outboxes over a threshold, with the reason; empty when all keep up. */
  async degraded(): Promise<DegradedOutbox[]> {
    const { backlog, ageSeconds } = this.options.thresholds;
    return (await this.read()).flatMap((reading) => {
      const reasons = [
        ...(reading.backlog > backlog ? [`${reading.backlog} rows waiting, more than ${backlog}`] : []),
        ...(reading.oldestAgeSeconds > ageSeconds ? [`oldest waiting ${Math.round(reading.oldestAgeSeconds)} s, more than ${ageSeconds} s`] : []),
      ];
      return reasons.length ? [{ ...reading, reason: reasons.join("; ") }] : [];
    });
  }

  /** Registers the two gauges, read at each scrape (left out of a scrape when the database does not answer). */
  register(metrics: ServiceMetrics): void {
    const read = () => this.read().catch(() => undefined);
    new Gauge({
      name: "casegraph_outbox_backlog",
      help: "Rows of an outbox still to be delivered",
      labelNames: ["outbox"],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const reading of (await read()) ?? []) this.set({ outbox: reading.outbox }, reading.backlog);
      },
    });
    new Gauge({
      name: "casegraph_outbox_oldest_age_seconds",
      help: "Age of the oldest row of an outbox still to be delivered (0: none waits)",
      labelNames: ["outbox"],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const reading of (await read()) ?? []) this.set({ outbox: reading.outbox }, reading.oldestAgeSeconds);
      },
    });
  }
}
