import { Arg, Ctx, Directive, Field, ID, InputType, Mutation, ObjectType, Resolver } from "type-graphql";
import { type CaseActivity, type CaseActivityKind, type CaseActivityActor, detailsFromWire } from "../../kit/case-activity-protocol.js";
import { badInput, forbidden } from "../../kit/errors.js";
import { isRelay } from "../../kit/principal.js";
import type { CasesContext } from "../cases.context.js";

/** Activities one delivery may carry. */
const MAX_ACTIVITIES = 200;

@InputType("CaseActivityActorInput")
@Directive("@inaccessible")
export class CaseActivityActorInput {
  @Field(() => ID) id: string;
  @Field(() => String) name: string;
  @Field(() => String, { description: "CUSTOMER, PARTNER, ENGINEER or SYSTEM" }) role: string;
  @Field(() => String, { nullable: true }) email?: string | null;
}

@InputType("CaseActivityDetailInput")
@Directive("@inaccessible")
export class CaseActivityDetailInput {
  @Field(() => String) key: string;
  @Field(() => String, { nullable: true }) value?: string | null;
}

@InputType("CaseActivityInput")
@Directive("@inaccessible")
export class CaseActivityInput {
  @Field(() => ID) id: string;
  @Field(() => ID) caseId: string;
  @Field(() => ID) organizationId: string;
  @Field(() => String, { description: "A CaseActivityKind" }) kind: string;
  @Field(() => String, { description: "ISO 8601" }) at: string;
  @Field(() => CaseActivityActorInput) actor: CaseActivityActorInput;
  @Field(() => [CaseActivityDetailInput]) details: CaseActivityDetailInput[];
}

@ObjectType("CaseActivityResult")
@Directive("@inaccessible")
export class CaseActivityResultType {
  @Field(() => ID) id: string;
  @Field(() => Boolean, { description: "True when the activity is on the case: applied now, or already before." }) applied: boolean;
  @Field(() => String, { nullable: true }) error?: string | null;
}

/**
 * Subgraph-to-gateway (`@inaccessible`): the gateway's relay delivers case activity from the
 * threat-analysis subgraph's outbox. Only its system principal reaches this; anyone else gets FORBIDDEN.
 */
@Resolver()
export class CaseActivityResolver {
  @Mutation(() => [CaseActivityResultType], { description: "Applies delivered case activities, each once (by id); one result per activity, in order." })
  @Directive("@inaccessible")
  async applyCaseActivities(@Arg("activities", () => [CaseActivityInput]) activities: CaseActivityInput[], @Ctx() ctx: CasesContext): Promise<CaseActivityResultType[]> {
    if (!isRelay(ctx.principal)) throw forbidden("Only the gateway's relay delivers case activity");
    if (activities.length > MAX_ACTIVITIES) throw badInput("activities", `at most ${MAX_ACTIVITIES} activities per delivery`);
    return ctx.services.caseActivity.apply(activities.map(toActivity));
  }
}

function toActivity(input: CaseActivityInput): CaseActivity {
  const actor: CaseActivityActor = { id: input.actor.id, name: input.actor.name, role: input.actor.role as CaseActivityActor["role"], email: input.actor.email ?? null };
  return { id: input.id, caseId: input.caseId, organizationId: input.organizationId, kind: input.kind as CaseActivityKind, at: input.at, actor, details: detailsFromWire(input.details) };
}
