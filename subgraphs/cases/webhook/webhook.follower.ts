import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { CaseFeedEvent } from "../../kit/case-feed-protocol.js";
import type { Clock } from "../../kit/clock.js";
import type { CaseFeedFollower } from "../case-feed/case-feed.writer.js";
import { WebhookDeliveryEntity, WebhookDeliveryStatus, WebhookEndpointOrganization, WebhookEndpointStatus, WebhookEndpointEntity } from "./webhook.entity.js";

const HOUR = 60 * 60 * 1000;
/** Rows per INSERT statement. */
const INSERT_CHUNK = 200;

/** Enabled endpoints subscribed to any of `organizationIds`: which organization, which event types. */
async function subscriptions(tx: EntityManager, organizationIds: string[]): Promise<{ endpointId: string; organizationId: string; eventTypes: Set<string> }[]> {
  const rows: { endpointId: string; organizationId: string; eventTypes: string }[] = await tx
    .createQueryBuilder(WebhookEndpointOrganization, "o")
    .innerJoin(WebhookEndpointEntity, "e", "e.id = o.endpointId")
    .select("o.endpointId", "endpointId")
    .addSelect("o.organizationId", "organizationId")
    .addSelect("e.eventTypes", "eventTypes")
    .where("o.organizationId IN (:...organizationIds)", { organizationIds })
    .andWhere("e.status = :enabled", { enabled: WebhookEndpointStatus.ENABLED })
    .getRawMany();
  return rows.map((row) => ({ endpointId: row.endpointId, organizationId: row.organizationId, eventTypes: new Set(row.eventTypes ? row.eventTypes.split(",") : []) }));
}

/**
 * The case feed's webhook follower: in the transaction that writes events, one PENDING delivery per
 * event and enabled endpoint subscribed to the event's organization and type. An event thus cannot
 * be written without its deliveries, nor a delivery without its event; (endpoint, event) is unique.
 */
export function webhookFollower(options: { clock: Clock; retryHours: number }): CaseFeedFollower {
  return async (tx, events) => {
    const rows = await deliveriesFor(tx, events, options.clock(), options.retryHours);
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) await tx.insert(WebhookDeliveryEntity, rows.slice(start, start + INSERT_CHUNK));
  };
}

/** The delivery rows `events` need (not yet written). */
export async function deliveriesFor(tx: EntityManager, events: readonly CaseFeedEvent[], now: Date, retryHours: number): Promise<WebhookDeliveryEntity[]> {
  if (events.length === 0) return [];
  const organizationIds = [...new Set(events.map((event) => event.organizationId))];
  const subscribed = await subscriptions(tx, organizationIds);
  if (subscribed.length === 0) return [];
  const retryUntil = new Date(now.getTime() + retryHours * HOUR);
  const rows: WebhookDeliveryEntity[] = [];
  for (const event of events) {
    for (const subscription of subscribed) {
      if (subscription.organizationId !== event.organizationId || !subscription.eventTypes.has(event.type)) continue;
      rows.push(
        Object.assign(new WebhookDeliveryEntity(), {
          id: randomUUID(),
          endpointId: subscription.endpointId,
          eventId: Number(event.id),
          eventType: event.type,
          caseId: event.caseId,
          organizationId: event.organizationId,
          status: WebhookDeliveryStatus.PENDING,
          attempts: 0,
          nextAttemptAt: now,
          claimToken: null,
          leaseExpiresAt: null,
          lastError: null,
          retryUntil,
          createdAt: now,
          lastAttemptAt: null,
          deliveredAt: null,
          responseStatus: null,
          latencyMs: null,
        }),
      );
    }
  }
  return rows;
}
