import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import { In, type DataSource } from "typeorm";
import { CASE_FEED_EVENT_TYPES, type CaseFeedEventType } from "../../kit/case-feed-protocol.js";
import type { Clock } from "../../kit/clock.js";
import { badInput, notFound } from "../../kit/errors.js";
import type { Logger } from "../../kit/logger.js";
import { decodeCursor, type Page, toPage } from "../../kit/pagination.js";
import { inTransaction } from "../../kit/transaction.js";
import { CaseFeedEventEntity } from "../case-feed/case-feed-event.entity.js";
import { Organization } from "../organization/organization.entity.js";
import { type AddressPolicy, checkEndpointUrl, forbiddenAddressReason, type Resolver, systemResolver, WebhookTargetError } from "./webhook.address.js";
import { WebhookDeliveryEntity, WebhookDeliveryStatus, WebhookEndpointEntity, WebhookEndpointOrganization, WebhookEndpointStatus } from "./webhook.entity.js";
import { newWebhookSecret } from "./webhook.signing.js";

const HOUR = 60 * 60 * 1000;
/** Endpoints one partner may have. */
export const MAX_ENDPOINTS_PER_PARTNER = 25;

/**
 * Who manages endpoints: a partner, acting for some organizations (an API key's, or every one the
 * partner manages for the operator's CLI). Endpoints belong to the partner; one is visible to an owner
 * only when all its organizations are among the owner's, so a key limited to some organizations never
 * sees or changes an endpoint that receives the events of others.
 */
export interface WebhookOwner {
  partnerId: string;
  organizationIds: readonly string[];
  /** Who acts, for the audit log (key id, user id, or the operator's login). */
  actor: string;
}

/** An endpoint with its organizations. */
export interface WebhookEndpointView extends WebhookEndpointEntity {
  organizationIds: string[];
}

export interface WebhookEndpointInput {
  url: string;
  eventTypes: readonly string[];
  organizationIds: readonly string[];
  contactEmail: string;
  description?: string | null;
}

export interface WebhookEndpointPatch {
  url?: string | null;
  eventTypes?: readonly string[] | null;
  organizationIds?: readonly string[] | null;
  contactEmail?: string | null;
  description?: string | null;
  /** true enables a disabled endpoint again (its failure count starts over); false disables it. */
  enabled?: boolean | null;
}

export interface WebhookServiceOptions {
  clock: Clock;
  retryHours: number;
  secretOverlapHours: number;
  addressPolicy: AddressPolicy;
  logger: Logger;
  resolver?: Resolver;
}

/** Registering and managing partner endpoints, and their delivery log (GraphQL and `npm run webhook`). */
export class WebhookService {
  private readonly resolver: Resolver;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: WebhookServiceOptions,
  ) {
    this.resolver = options.resolver ?? systemResolver;
  }

  /** Registers an endpoint; the secret is returned here only. */
  async create(owner: WebhookOwner, input: WebhookEndpointInput): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
    const url = await this.checkUrl(input.url);
    const eventTypes = checkEventTypes(input.eventTypes);
    const organizationIds = await this.checkOrganizations(owner, input.organizationIds);
    const contactEmail = checkEmail(input.contactEmail);
    const description = checkDescription(input.description);
    const now = this.options.clock();
    const secret = newWebhookSecret();
    const endpoint = Object.assign(new WebhookEndpointEntity(), {
      id: randomUUID(),
      partnerId: owner.partnerId,
      url,
      description,
      contactEmail,
      eventTypes,
      status: WebhookEndpointStatus.ENABLED,
      disabledAt: null,
      disabledReason: null,
      consecutiveFailures: 0,
      secret,
      previousSecret: null,
      previousSecretExpiresAt: null,
      disabledNoticeDueAt: null,
      disabledNoticeLeaseExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await inTransaction(this.dataSource, async (tx) => {
      const count = await tx.countBy(WebhookEndpointEntity, { partnerId: owner.partnerId });
      if (count >= MAX_ENDPOINTS_PER_PARTNER) throw badInput("url", `A partner has at most ${MAX_ENDPOINTS_PER_PARTNER} webhook endpoints`);
      await tx.insert(WebhookEndpointEntity, endpoint);
      await tx.insert(
        WebhookEndpointOrganization,
        organizationIds.map((organizationId) => ({ endpointId: endpoint.id, organizationId })),
      );
    });
    this.audit("webhook_endpoint_created", owner, endpoint, { url, eventTypes, organizationIds });
    return { endpoint: { ...endpoint, organizationIds }, secret };
  }

  /** The owner's endpoints, oldest first. */
  async list(owner: WebhookOwner): Promise<WebhookEndpointView[]> {
    const endpoints = await this.dataSource.getRepository(WebhookEndpointEntity).find({ where: { partnerId: owner.partnerId }, order: { createdAt: "ASC", id: "ASC" } });
    return (await this.withOrganizations(endpoints)).filter((endpoint) => visibleTo(owner, endpoint));
  }

  /** One of the owner's endpoints, or NOT_FOUND (also for another partner's: nobody learns it exists). */
  async get(owner: WebhookOwner, id: string): Promise<WebhookEndpointView> {
    const endpoint = await this.dataSource.getRepository(WebhookEndpointEntity).findOneBy({ id });
    const [view] = endpoint && endpoint.partnerId === owner.partnerId ? await this.withOrganizations([endpoint]) : [];
    if (!view || !visibleTo(owner, view)) throw notFound("Webhook endpoint", id);
    return view;
  }

  async update(owner: WebhookOwner, id: string, patch: WebhookEndpointPatch): Promise<WebhookEndpointView> {
    const current = await this.get(owner, id);
    const url = patch.url != null ? await this.checkUrl(patch.url) : current.url;
    const eventTypes = patch.eventTypes != null ? checkEventTypes(patch.eventTypes) : current.eventTypes;
    const organizationIds = patch.organizationIds != null ? await this.checkOrganizations(owner, patch.organizationIds) : current.organizationIds;
    const contactEmail = patch.contactEmail != null ? checkEmail(patch.contactEmail) : current.contactEmail;
    const description = patch.description !== undefined ? checkDescription(patch.description) : current.description;
    const now = this.options.clock();
    const changes: Partial<WebhookEndpointEntity> = { url, eventTypes, contactEmail, description, updatedAt: now };
    if (patch.enabled === true && current.status !== WebhookEndpointStatus.ENABLED) {
      Object.assign(changes, { status: WebhookEndpointStatus.ENABLED, disabledAt: null, disabledReason: null, consecutiveFailures: 0, disabledNoticeDueAt: null, disabledNoticeLeaseExpiresAt: null });
    } else if (patch.enabled === false && current.status === WebhookEndpointStatus.ENABLED) {
      Object.assign(changes, { status: WebhookEndpointStatus.DISABLED, disabledAt: now, disabledReason: "disabled by its partner" });
    }
    await inTransaction(this.dataSource, async (tx) => {
      await tx.update(WebhookEndpointEntity, { id }, changes);
      if (patch.organizationIds != null) {
        await tx.delete(WebhookEndpointOrganization, { endpointId: id });
        await tx.insert(
          WebhookEndpointOrganization,
          organizationIds.map((organizationId) => ({ endpointId: id, organizationId })),
        );
      }
    });
    const updated = { ...current, ...changes, organizationIds };
    this.audit("webhook_endpoint_updated", owner, updated, { url, eventTypes, organizationIds, status: updated.status });
    return updated;
  }

  /** Deletes the endpoint and its delivery log; nothing more is sent to it. */
  async remove(owner: WebhookOwner, id: string): Promise<WebhookEndpointView> {
    const endpoint = await this.get(owner, id);
    await inTransaction(this.dataSource, async (tx) => {
      await tx.delete(WebhookDeliveryEntity, { endpointId: id });
      await tx.delete(WebhookEndpointOrganization, { endpointId: id });
      await tx.delete(WebhookEndpointEntity, { id });
    });
    this.audit("webhook_endpoint_deleted", owner, endpoint);
    return endpoint;
  }

  /**
   * A new secret, returned here only. The old one keeps signing next to it (a second signature in
   * `webhook-signature`) for WEBHOOK_SECRET_OVERLAP_HOURS, so that the receiver can switch without losing a message.
   */
  async rotateSecret(owner: WebhookOwner, id: string): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
    const endpoint = await this.get(owner, id);
    const now = this.options.clock();
    const secret = newWebhookSecret();
    const overlap = this.options.secretOverlapHours * HOUR;
    const changes = { secret, previousSecret: overlap > 0 ? endpoint.secret : null, previousSecretExpiresAt: overlap > 0 ? new Date(now.getTime() + overlap) : null, updatedAt: now };
    await this.dataSource.getRepository(WebhookEndpointEntity).update({ id }, changes);
    const rotated = { ...endpoint, ...changes };
    this.audit("webhook_secret_rotated", owner, rotated, { previousSecretExpiresAt: changes.previousSecretExpiresAt?.toISOString() ?? null });
    return { endpoint: rotated, secret };
  }

  /** The endpoint's deliveries, newest first, keyset-paginated; optionally of one status. */
  async deliveries(owner: WebhookOwner, endpointId: string, options: { status?: WebhookDeliveryStatus | null; first: number; after?: string | null }): Promise<Page<WebhookDeliveryEntity>> {
    await this.get(owner, endpointId);
    const cursor = decodeCursor(options.after);
    const qb = this.dataSource.getRepository(WebhookDeliveryEntity).createQueryBuilder("d").where("d.endpointId = :endpointId", { endpointId });
    if (options.status) qb.andWhere("d.status = :status", { status: options.status });
    if (cursor) {
      const at = new Date(String(cursor.value));
      if (Number.isNaN(at.getTime())) throw badInput("after", "after is not a cursor this API issued");
      qb.andWhere("(d.createdAt < :at OR (d.createdAt = :at AND d.id < :id))", { at, id: cursor.id });
    }
    const rows = await qb
      .orderBy("d.createdAt", "DESC")
      .addOrderBy("d.id", "DESC")
      .limit(options.first + 1)
      .getMany();
    return toPage(rows, options.first, (row) => ({ value: row.createdAt.toISOString(), id: row.id }));
  }

  /**
   * Sends a delivery again (DELIVERED or FAILED, or a PENDING one now rather than at its next retry),
   * with the same `webhook-id`, and retries it for another WEBHOOK_RETRY_HOURS.
   */
  async redeliver(owner: WebhookOwner, deliveryId: string): Promise<WebhookDeliveryEntity> {
    const delivery = await this.dataSource.getRepository(WebhookDeliveryEntity).findOneBy({ id: deliveryId });
    if (!delivery) throw notFound("Webhook delivery", deliveryId);
    let endpoint: WebhookEndpointView;
    try {
      endpoint = await this.get(owner, delivery.endpointId);
    } catch {
      throw notFound("Webhook delivery", deliveryId);
    }
    if (endpoint.status !== WebhookEndpointStatus.ENABLED) throw badInput("deliveryId", "The endpoint is disabled: enable it first (updateWebhookEndpoint with enabled: true)");
    if (!(await this.dataSource.getRepository(CaseFeedEventEntity).existsBy({ position: delivery.eventId }))) {
      throw badInput("deliveryId", `The event of this delivery is no longer kept by the case feed`);
    }
    const now = this.options.clock();
    const changes = { status: WebhookDeliveryStatus.PENDING, nextAttemptAt: now, retryUntil: new Date(now.getTime() + this.options.retryHours * HOUR), claimToken: null, leaseExpiresAt: null };
    await this.dataSource.getRepository(WebhookDeliveryEntity).update({ id: deliveryId }, changes);
    this.options.logger.info({ event: "webhook_redelivery_requested", actor: owner.actor, partnerId: owner.partnerId, endpointId: endpoint.id, deliveryId }, "webhook redelivery requested");
    return Object.assign(delivery, changes);
  }

  /**
   * Forgets finished deliveries (DELIVERED, FAILED) written more than `retentionDays` ago: the delivery
   * log is kept as long as the case feed keeps its events (CASE_FEED_RETENTION_DAYS). Returns how many.
   */
  async prune(now: Date, retentionDays: number): Promise<number> {
    const cutoff = new Date(now.getTime() - retentionDays * 24 * HOUR);
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(WebhookDeliveryEntity)
      .where("status IN (:...finished) AND created_at < :cutoff", { finished: [WebhookDeliveryStatus.DELIVERED, WebhookDeliveryStatus.FAILED], cutoff })
      .execute();
    return result.affected ?? 0;
  }

  private async withOrganizations(endpoints: WebhookEndpointEntity[]): Promise<WebhookEndpointView[]> {
    if (endpoints.length === 0) return [];
    const links = await this.dataSource.getRepository(WebhookEndpointOrganization).find({ where: { endpointId: In(endpoints.map((e) => e.id)) }, order: { organizationId: "ASC" } });
    return endpoints.map((endpoint) => ({ ...endpoint, organizationIds: links.filter((link) => link.endpointId === endpoint.id).map((link) => link.organizationId) }));
  }

  /** The URL's form and, when it names a host, what it resolves to now (checked again at every delivery). */
  private async checkUrl(raw: string): Promise<string> {
    const policy = this.options.addressPolicy;
    try {
      const url = checkEndpointUrl(raw.trim(), policy);
      const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
      if (!isIP(host)) {
        // A name that does not resolve yet is accepted (its DNS may come later); one resolving to a forbidden address is not.
        const addresses = await this.resolver(host).catch(() => []);
        for (const { address } of addresses) {
          const reason = forbiddenAddressReason(address, policy.allowedAddresses);
          if (reason) throw new WebhookTargetError(`url's host ${host} resolves to a refused address: ${reason}`);
        }
      }
      return url.toString();
    } catch (error) {
      if (error instanceof WebhookTargetError) throw badInput("url", error.message);
      throw error;
    }
  }

  private async checkOrganizations(owner: WebhookOwner, requested: readonly string[]): Promise<string[]> {
    const organizationIds = [...new Set(requested.map((id) => id.trim()).filter(Boolean))].sort();
    if (organizationIds.length === 0) throw badInput("organizationIds", "Give at least one organization");
    const foreign = organizationIds.filter((id) => !owner.organizationIds.includes(id));
    if (foreign.length) throw badInput("organizationIds", `Not an organization this partner may act for: ${foreign.join(", ")}`);
    const known = await this.dataSource.getRepository(Organization).countBy({ id: In(organizationIds) });
    if (known !== organizationIds.length) throw badInput("organizationIds", "Unknown organization");
    return organizationIds;
  }

  private audit(event: string, owner: WebhookOwner, endpoint: WebhookEndpointEntity, extra: Record<string, unknown> = {}): void {
    this.options.logger.info({ event, actor: owner.actor, partnerId: owner.partnerId, endpointId: endpoint.id, ...extra }, event.replace(/_/g, " "));
  }
}

function visibleTo(owner: WebhookOwner, endpoint: WebhookEndpointView): boolean {
  return endpoint.partnerId === owner.partnerId && endpoint.organizationIds.every((id) => owner.organizationIds.includes(id));
}

function checkEventTypes(requested: readonly string[]): CaseFeedEventType[] {
  const unique = [...new Set(requested.map((type) => type.trim()).filter(Boolean))];
  if (unique.length === 0) throw badInput("eventTypes", "Give at least one event type");
  const unknown = unique.filter((type) => !(CASE_FEED_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown.length) throw badInput("eventTypes", `Unknown event type ${unknown.join(", ")} (types: ${CASE_FEED_EVENT_TYPES.join(", ")})`);
  return CASE_FEED_EVENT_TYPES.filter((type) => unique.includes(type));
}

function checkEmail(value: string): string {
  const email = value.trim();
  if (email.length > 254 || !/^[^\s<>@,]+@[^\s<>@,]+\.[^\s<>@,]+$/.test(email)) throw badInput("contactEmail", "contactEmail must be an e-mail address");
  return email;
}

function checkDescription(value: string | null | undefined): string | null {
  const description = value?.trim() || null;
  if (description && description.length > 500) throw badInput("description", "description has at most 500 characters");
  return description;
}
