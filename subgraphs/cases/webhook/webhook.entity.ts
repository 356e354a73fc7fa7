import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import type { CaseFeedEventType } from "../../kit/case-feed-protocol.js";
import { LeasedDelivery } from "../../kit/leased-delivery.js";

export enum WebhookEndpointStatus {
  ENABLED = "ENABLED",
  /** By its partner, or by the dispatcher after too many consecutive failures (see `disabledReason`). */
  DISABLED = "DISABLED",
}

export enum WebhookDeliveryStatus {
  PENDING = "PENDING",
  DELIVERED = "DELIVERED",
  /** Gave up: retried until WEBHOOK_RETRY_HOURS ran out (see `lastError`). `redeliverWebhook` sends it again. */
  FAILED = "FAILED",
}

/** Event type lists are stored comma-separated (they are enum values without commas). */
const commaList = {
  to: (value: readonly string[]) => value.join(","),
  from: (value: string) => (value ? value.split(",") : []),
};

/** Feed positions are BIGINT; mysql2 answers them as strings, SQLite as numbers. */
const position = { to: (value: number) => value, from: (value: string | number) => Number(value) };

/** A partner's HTTPS endpoint: the case events of some organizations, of some types, signed with its secret. */
@Entity("webhook_endpoints")
@Index(["partnerId", "createdAt"])
export class WebhookEndpointEntity {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ type: "varchar", length: 64 })
  partnerId: string;

  @Column({ type: "varchar", length: 2000 })
  url: string;

  @Column({ type: "varchar", length: 500, nullable: true })
  description: string | null;

  /** Told by e-mail when the endpoint is disabled after failures. */
  @Column({ type: "varchar", length: 254 })
  contactEmail: string;

  @Column({ type: "varchar", length: 500, transformer: commaList })
  eventTypes: CaseFeedEventType[];

  @Column({ type: "varchar", length: 16 })
  status: WebhookEndpointStatus;

  @Column({ type: "datetime", precision: 3, nullable: true })
  disabledAt: Date | null;

  @Column({ type: "varchar", length: 500, nullable: true })
  disabledReason: string | null;

  /** Failed attempts since the last success: sets the backoff and, at WEBHOOK_DISABLE_AFTER_FAILURES, disables the endpoint. */
  @Column({ type: "int", default: 0 })
  consecutiveFailures: number;

  /** `whsec_` + base64 of 32 random bytes (Standard Webhooks). The HMAC needs it, so it is stored as is; it is shown to the partner only once. */
  @Column({ type: "varchar", length: 64 })
  secret: string;

  /** The secret before the last rotation: it signs next to `secret` until `previousSecretExpiresAt`. */
  @Column({ type: "varchar", length: 64, nullable: true })
  previousSecret: string | null;

  @Column({ type: "datetime", precision: 3, nullable: true })
  previousSecretExpiresAt: Date | null;

  /** The disabling e-mail to the contact is still to be sent (written with the disabling; sent by the dispatcher). */
  @Column({ type: "datetime", precision: 3, nullable: true })
  disabledNoticeDueAt: Date | null;

  @Column({ type: "datetime", precision: 3, nullable: true })
  disabledNoticeLeaseExpiresAt: Date | null;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;

  @Column({ type: "datetime", precision: 3 })
  updatedAt: Date;
}

/** One organization an endpoint receives the events of (the follower finds endpoints by organization). */
@Entity("webhook_endpoint_organizations")
@Index(["organizationId"])
export class WebhookEndpointOrganization {
  @PrimaryColumn({ type: "varchar", length: 36 })
  endpointId: string;

  @PrimaryColumn({ type: "varchar", length: 64 })
  organizationId: string;
}

/**
 * One event to deliver to one endpoint, written in the transaction of the event itself (so no event
 * is missed), at most once per endpoint and event. Its id is the `webhook-id` header, the same on every
 * retry and redelivery, so that receivers can drop repeats.
 */
@Entity("webhook_deliveries")
@Index(["endpointId", "eventId"], { unique: true })
@Index(["status", "nextAttemptAt"])
@Index(["endpointId", "createdAt", "id"])
@Index(["claimToken"])
export class WebhookDeliveryEntity extends LeasedDelivery {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ type: "varchar", length: 36 })
  endpointId: string;

  /** The case feed event (its position): the payload is read from the feed when sent. */
  @Column({ type: "bigint", transformer: position })
  eventId: number;

  @Column({ type: "varchar", length: 32 })
  eventType: CaseFeedEventType;

  @Column({ type: "varchar", length: 36 })
  caseId: string;

  @Column({ type: "varchar", length: 64 })
  organizationId: string;

  @Column({ type: "varchar", length: 16 })
  status: WebhookDeliveryStatus;

  /** Retries stop here: the delivery is FAILED after its first failure past this time. */
  @Column({ type: "datetime", precision: 3 })
  retryUntil: Date;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;

  @Column({ type: "datetime", precision: 3, nullable: true })
  lastAttemptAt: Date | null;

  @Column({ type: "datetime", precision: 3, nullable: true })
  deliveredAt: Date | null;

  /** HTTP status of the last answer (null: none, e.g. a timeout or a refused address). */
  @Column({ type: "int", nullable: true })
  responseStatus: number | null;

  /** Milliseconds from sending to the answer, of the last attempt. */
  @Column({ type: "int", nullable: true })
  latencyMs: number | null;
}

export const webhookEntities = [WebhookEndpointEntity, WebhookEndpointOrganization, WebhookDeliveryEntity];
