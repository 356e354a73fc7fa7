import { Arg, Ctx, Directive, Field, ID, InputType, Int, Mutation, ObjectType, Resolver } from "type-graphql";
import { detailsToWire } from "../../kit/case-activity-protocol.js";
import { forbidden } from "../../kit/errors.js";
import { isRelay, type Principal } from "../../kit/principal.js";
import type { ThreatsContext } from "../threats.context.js";

/** Activities one relay pass may claim at once. */
const MAX_CLAIM = 200;

@ObjectType("CaseActivityDetail")
@Directive("@inaccessible")
export class CaseActivityDetailType {
  @Field(() => String) key: string;
  @Field(() => String, { nullable: true }) value: string | null;
}

@ObjectType("CaseActivityActorRecord")
@Directive("@inaccessible")
export class CaseActivityActorType {
  @Field(() => ID) id: string;
  @Field(() => String) name: string;
  @Field(() => String, { description: "CUSTOMER, PARTNER, ENGINEER or SYSTEM" }) role: string;
  @Field(() => String, { nullable: true }) email: string | null;
}

@ObjectType("CaseActivityRecord")
@Directive("@inaccessible")
export class CaseActivityType {
  @Field(() => ID) id: string;
  @Field(() => ID) caseId: string;
  @Field(() => ID) organizationId: string;
  @Field(() => String, { description: "A CaseActivityKind" }) kind: string;
  @Field(() => String, { description: "ISO 8601" }) at: string;
  @Field(() => CaseActivityActorType) actor: CaseActivityActorType;
  @Field(() => [CaseActivityDetailType]) details: CaseActivityDetailType[];
}

@ObjectType("CaseActivityBatch")
@Directive("@inaccessible")
export class CaseActivityBatchType {
  @Field(() => ID) claimToken: string;
  @Field(() => [CaseActivityType]) activities: CaseActivityType[];
}

@InputType("CaseActivityDeliveryInput")
@Directive("@inaccessible")
export class CaseActivityDeliveryInput {
  @Field(() => ID) id: string;
  @Field(() => Boolean) delivered: boolean;
  @Field(() => String, { nullable: true }) error?: string | null;
}

/** Only the gateway's relay (its system principal) reaches these; a user, an API key or a forged kind gets FORBIDDEN. */
function requireRelay(principal: Principal): void {
  if (!isRelay(principal)) throw forbidden("Only the gateway's relay delivers case activity");
}

/**
 * Subgraph-to-gateway (`@inaccessible`): the gateway's relay claims the case activities waiting in
 * this subgraph's outbox, delivers them to the cases subgraph, and reports back here.
 */
@Resolver()
export class CaseActivityRelayResolver {
  @Mutation(() => CaseActivityBatchType, { description: "Claims up to `limit` due case activities, oldest first, for one relay pass." })
  @Directive("@inaccessible")
  async claimCaseActivities(@Arg("limit", () => Int) limit: number, @Ctx() ctx: ThreatsContext): Promise<CaseActivityBatchType> {
    requireRelay(ctx.principal);
    const claim = await ctx.services.caseActivity.claim(Math.min(Math.max(1, limit), MAX_CLAIM));
    return {
      claimToken: claim.claimToken,
      activities: claim.activities.map((row) => ({
        id: row.id,
        caseId: row.caseId,
        organizationId: row.organizationId,
        kind: row.kind,
        at: row.occurredAt.toISOString(),
        actor: { id: row.actor.id, name: row.actor.name, role: row.actor.role, email: row.actor.email ?? null },
        details: detailsToWire(row.details),
      })),
    };
  }

  @Mutation(() => Int, { description: "Records how the claimed activities went; delivered ones leave the outbox. Returns how many reports were recorded." })
  @Directive("@inaccessible")
  ackCaseActivities(@Arg("claimToken", () => ID) claimToken: string, @Arg("deliveries", () => [CaseActivityDeliveryInput]) deliveries: CaseActivityDeliveryInput[], @Ctx() ctx: ThreatsContext): Promise<number> {
    requireRelay(ctx.principal);
    return ctx.services.caseActivity.acknowledge(claimToken, deliveries);
  }
}
