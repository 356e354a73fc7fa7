import { Arg, Ctx, Directive, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { MAX_FEED_SLICE } from "../../kit/case-feed-protocol.js";
import { forbidden } from "../../kit/errors.js";
import { canSeeOrganization, isRelay } from "../../kit/principal.js";
import type { CasesContext } from "../cases.context.js";
import { CaseEntity } from "../case/case.entity.js";
import { CaseUpdateEntity } from "../case-update/case-update.entity.js";
import type { CaseFeedEventEntity } from "./case-feed-event.entity.js";
import { CaseFeedEventObject, CaseFeedSlice } from "./case-feed.types.js";

function toObject(row: CaseFeedEventEntity): CaseFeedEventObject {
  return Object.assign(new CaseFeedEventObject(), {
    id: String(row.position),
    sequence: row.sequence,
    type: row.type,
    caseId: row.caseId,
    organizationId: row.organizationId,
    actor: row.actor,
    at: row.at,
    changes: row.changes,
    updateId: row.updateId,
  });
}

@Resolver(() => CaseFeedEventObject)
export class CaseFeedResolver {
  @Query(() => CaseFeedEventObject, {
    nullable: true,
    description: "One event of the case feed, as subscriptions deliver it. Null when missing, past retention, or not visible to the caller.",
  })
  async caseFeedEvent(@Arg("id", () => ID) id: string, @Ctx() ctx: CasesContext): Promise<CaseFeedEventObject | null> {
    const row = await ctx.services.feed.byId(id);
    return row && canSeeOrganization(ctx.principal, row.organizationId) ? toObject(row) : null;
  }

  /** Gateway-internal (`@inaccessible`, relay only): what the gateway's subscriptions tail. */
  @Query(() => CaseFeedSlice, { description: "The feed after an event id, oldest first (the gateway's relay only)." })
  @Directive("@inaccessible")
  async caseFeedSince(
    @Arg("after", () => ID) after: string,
    @Arg("first", () => Int, { defaultValue: MAX_FEED_SLICE }) first: number,
    @Arg("caseId", () => ID, { nullable: true }) caseId: string | null,
    @Arg("organizationIds", () => [ID], { nullable: true }) organizationIds: string[] | null,
    @Ctx() ctx: CasesContext,
  ): Promise<CaseFeedSlice> {
    if (!isRelay(ctx.principal)) throw forbidden("Only the gateway reads the case feed");
    const slice = await ctx.services.feed.since(after, first, { caseId, organizationIds });
    return { head: String(slice.head), oldest: slice.oldest === null ? null : String(slice.oldest), events: slice.rows.map(toObject) };
  }

  @FieldResolver(() => CaseEntity, { nullable: true, description: "The case as it is now (null when no longer visible)." })
  async case(@Root() event: CaseFeedEventObject, @Ctx() ctx: CasesContext): Promise<CaseEntity | null> {
    return ctx.loaders.caseById.load(event.caseId);
  }

  @FieldResolver(() => CaseUpdateEntity, { nullable: true, description: "The case update the event is about, when there is one." })
  async update(@Root() event: CaseFeedEventObject, @Ctx() ctx: CasesContext): Promise<CaseUpdateEntity | null> {
    if (!event.updateId) return null;
    const c = await ctx.loaders.caseById.load(event.caseId);
    const update = c ? await ctx.loaders.updateById.load(event.updateId) : null;
    return update && update.caseId === event.caseId ? update : null;
  }
}
