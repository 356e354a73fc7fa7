import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { PageInfo } from "../../kit/pagination.js";
import { CaseFeedEventType } from "../../kit/case-feed-protocol.js";
import { DateTime } from "../../kit/scalars.js";
// Registers CaseFeedEventType with the schema (the case feed's own types do).
import "../case-feed/case-feed.types.js";
import { WebhookDeliveryStatus, WebhookEndpointStatus } from "./webhook.entity.js";

registerEnumType(WebhookEndpointStatus, { name: "WebhookEndpointStatus", description: "DISABLED by its partner, or after too many consecutive failed deliveries." });
registerEnumType(WebhookDeliveryStatus, { name: "WebhookDeliveryStatus", description: "PENDING until a 2xx answer (DELIVERED) or until retries ran out (FAILED)." });

@ObjectType({ description: "A partner's HTTPS endpoint receiving signed case events (Standard Webhooks)." })
export class WebhookEndpoint {
  @Field(() => ID) id: string;
  @Field(() => String) url: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => String, { description: "Told by e-mail when the endpoint is disabled after failures." }) contactEmail: string;
  @Field(() => [CaseFeedEventType]) eventTypes: CaseFeedEventType[];
  @Field(() => [ID], { description: "The organizations whose case events it receives." }) organizationIds: string[];
  @Field(() => WebhookEndpointStatus) status: WebhookEndpointStatus;
  @Field(() => DateTime, { nullable: true }) disabledAt: Date | null;
  @Field(() => String, { nullable: true }) disabledReason: string | null;
  @Field(() => Int, { description: "Failed attempts since the last success." }) consecutiveFailures: number;
  @Field(() => DateTime, { nullable: true, description: "Until when the secret before the last rotation still signs (a second signature)." })
  previousSecretExpiresAt: Date | null;
  @Field(() => DateTime) createdAt: Date;
  @Field(() => DateTime) updatedAt: Date;
}

@ObjectType({ description: "An endpoint with its signing secret, shown this once." })
export class WebhookEndpointWithSecret {
  @Field(() => WebhookEndpoint) endpoint: WebhookEndpoint;
  @Field(() => String, { description: "`whsec_...`: verify `webhook-signature` with it (any Standard Webhooks library). Not shown again." })
  secret: string;
}

@ObjectType({ description: "One event sent (or to send) to one endpoint. Its id is the `webhook-id` header, the same on every retry." })
export class WebhookDelivery {
  @Field(() => ID) id: string;
  @Field(() => ID) endpointId: string;
  @Field(() => ID, { description: "The case feed event's id." }) eventId: string;
  @Field(() => CaseFeedEventType) eventType: CaseFeedEventType;
  @Field(() => ID) caseId: string;
  @Field(() => ID) organizationId: string;
  @Field(() => WebhookDeliveryStatus) status: WebhookDeliveryStatus;
  @Field(() => Int) attempts: number;
  @Field(() => Int, { nullable: true, description: "HTTP status of the last answer (null: none, e.g. a timeout or a refused address)." }) responseStatus: number | null;
  @Field(() => Int, { nullable: true, description: "Milliseconds from sending to the last answer." }) latencyMs: number | null;
  @Field(() => String, { nullable: true }) lastError: string | null;
  @Field(() => DateTime) createdAt: Date;
  @Field(() => DateTime, { nullable: true }) lastAttemptAt: Date | null;
  @Field(() => DateTime, { nullable: true, description: "When a PENDING delivery is tried next." }) nextAttemptAt: Date | null;
  @Field(() => DateTime, { nullable: true }) deliveredAt: Date | null;
}

@ObjectType()
export class WebhookDeliveryEdge {
  @Field(() => String) cursor: string;
  @Field(() => WebhookDelivery) node: WebhookDelivery;
}

@ObjectType({ description: "Deliveries of an endpoint, newest first." })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge]) edges: WebhookDeliveryEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@InputType()
export class CreateWebhookEndpointInput {
  @Field(() => String, { description: "https only; it must not resolve to a loopback, private or link-local address." }) url: string;
  @Field(() => [CaseFeedEventType]) eventTypes: CaseFeedEventType[];
  @Field(() => [ID], { description: "Among the organizations the caller may act for." }) organizationIds: string[];
  @Field(() => String) contactEmail: string;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType({ description: "Only the fields given change." })
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => [CaseFeedEventType], { nullable: true }) eventTypes?: CaseFeedEventType[] | null;
  @Field(() => [ID], { nullable: true }) organizationIds?: string[] | null;
  @Field(() => String, { nullable: true }) contactEmail?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Boolean, { nullable: true, description: "true enables a disabled endpoint (its failure count starts over); false disables it." }) enabled?: boolean | null;
}
