import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { forbidden } from "../../kit/errors.js";
import { pageSize } from "../../kit/pagination.js";
import { hasScope, type Principal } from "../../kit/principal.js";
import type { CasesContext } from "../cases.context.js";
import { WebhookDeliveryStatus, type WebhookDeliveryEntity } from "./webhook.entity.js";
import type { WebhookEndpointView, WebhookOwner } from "./webhook.service.js";
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput, WebhookDelivery, WebhookDeliveryConnection, WebhookEndpoint, WebhookEndpointWithSecret } from "./webhook.types.js";

export const WEBHOOKS_SCOPE = "webhooks:manage";

/**
 * The caller as a webhook owner: a partner (API key or partner staff) holding `webhooks:manage`, acting
 * for the organizations of its credential. Anyone else is FORBIDDEN: webhooks are the partners' integration.
 */
export function webhookOwner(principal: Principal): WebhookOwner {
  if (!hasScope(principal, WEBHOOKS_SCOPE)) throw forbidden(`This credential lacks the ${WEBHOOKS_SCOPE} scope`);
  if (principal.role !== "partner" || !principal.partnerId || principal.organizationIds === null) throw forbidden("Webhook endpoints are managed by partners");
  return { partnerId: principal.partnerId, organizationIds: principal.organizationIds, actor: `${principal.kind}:${principal.id}` };
}

function endpointOf(view: WebhookEndpointView): WebhookEndpoint {
  const { secret: _secret, previousSecret: _previous, ...visible } = view;
  return visible;
}

function deliveryOf(row: WebhookDeliveryEntity): WebhookDelivery {
  return {
    ...row,
    eventId: String(row.eventId),
    nextAttemptAt: row.status === WebhookDeliveryStatus.PENDING ? row.nextAttemptAt : null,
  };
}

@Resolver()
export class WebhookResolver {
  @Query(() => [WebhookEndpoint], { description: "The caller's partner's webhook endpoints (needs webhooks:manage)." })
  async webhookEndpoints(@Ctx() ctx: CasesContext): Promise<WebhookEndpoint[]> {
    return (await ctx.services.webhooks.list(webhookOwner(ctx.principal))).map(endpointOf);
  }

  @Query(() => WebhookDeliveryConnection, { description: "Deliveries of one of the caller's endpoints, newest first (needs webhooks:manage)." })
  async webhookDeliveries(
    @Arg("endpointId", () => ID) endpointId: string,
    @Arg("status", () => WebhookDeliveryStatus, { nullable: true }) status: WebhookDeliveryStatus | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: CasesContext,
  ): Promise<WebhookDeliveryConnection> {
    const page = await ctx.services.webhooks.deliveries(webhookOwner(ctx.principal), endpointId, { status, first: pageSize(first), after });
    return { edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: deliveryOf(edge.node) })), pageInfo: page.pageInfo };
  }

  @Mutation(() => WebhookEndpointWithSecret, { description: "Registers an endpoint; the answer carries its signing secret, shown this once." })
  async createWebhookEndpoint(@Arg("input", () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput, @Ctx() ctx: CasesContext): Promise<WebhookEndpointWithSecret> {
    const { endpoint, secret } = await ctx.services.webhooks.create(webhookOwner(ctx.principal), input);
    return { endpoint: endpointOf(endpoint), secret };
  }

  @Mutation(() => WebhookEndpoint)
  async updateWebhookEndpoint(@Arg("id", () => ID) id: string, @Arg("input", () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput, @Ctx() ctx: CasesContext): Promise<WebhookEndpoint> {
    return endpointOf(await ctx.services.webhooks.update(webhookOwner(ctx.principal), id, input));
  }

  @Mutation(() => WebhookEndpoint, { description: "Deletes the endpoint and its delivery log; answers the endpoint as it was." })
  async deleteWebhookEndpoint(@Arg("id", () => ID) id: string, @Ctx() ctx: CasesContext): Promise<WebhookEndpoint> {
    return endpointOf(await ctx.services.webhooks.remove(webhookOwner(ctx.principal), id));
  }

  @Mutation(() => WebhookEndpointWithSecret, {
    description: "A new signing secret, shown this once; the previous one keeps signing next to it (a second signature) for a while (previousSecretExpiresAt).",
  })
  async rotateWebhookSecret(@Arg("id", () => ID) id: string, @Ctx() ctx: CasesContext): Promise<WebhookEndpointWithSecret> {
    const { endpoint, secret } = await ctx.services.webhooks.rotateSecret(webhookOwner(ctx.principal), id);
    return { endpoint: endpointOf(endpoint), secret };
  }

  @Mutation(() => WebhookDelivery, { description: "Sends a delivery again, with the same webhook-id, and retries it as a new one." })
  async redeliverWebhook(@Arg("deliveryId", () => ID) deliveryId: string, @Ctx() ctx: CasesContext): Promise<WebhookDelivery> {
    return deliveryOf(await ctx.services.webhooks.redeliver(webhookOwner(ctx.principal), deliveryId));
  }
}
