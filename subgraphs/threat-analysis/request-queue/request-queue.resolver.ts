import { Arg, Args, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { PageArgs } from "../../kit/page-args.js";
import { DateTime } from "../../kit/scalars.js";
import { AnalysisRequestEntity } from "../analysis-request/analysis-request.entity.js";
import { CaseRef } from "../case/case.js";
import type { ThreatsContext } from "../threats.context.js";
import { AnalysisRequestFilter, AnalysisRequestOrder } from "./request-queue.input.js";
import { AnalysisRequestConnection } from "./request-queue.types.js";

@Resolver(() => AnalysisRequestEntity)
export class RequestQueueResolver {
  @Query(() => AnalysisRequestConnection, {
    description: "Analysis requests across organizations, oldest first: the engineers' queue. Customers and partners see their organizations' requests only.",
  })
  async analysisRequests(
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => AnalysisRequestFilter, { nullable: true }) filter: AnalysisRequestFilter | null,
    @Arg("orderBy", () => AnalysisRequestOrder, { nullable: true, defaultValue: AnalysisRequestOrder.OLDEST_FIRST }) orderBy: AnalysisRequestOrder,
    @Ctx() ctx: ThreatsContext,
  ): Promise<AnalysisRequestConnection> {
    return ctx.services.queue.list(ctx.principal, { ...page, filter, orderBy });
  }

  @FieldResolver(() => CaseRef, { description: "The case the request belongs to." })
  case(@Root() row: AnalysisRequestEntity): Pick<CaseRef, "id"> {
    return { id: row.caseId };
  }

  @FieldResolver(() => DateTime, { nullable: true, description: "When support's response is due: while SUBMITTED or IN_PROGRESS, by the case's severity when the request was made." })
  dueAt(@Root() row: AnalysisRequestEntity, @Ctx() ctx: ThreatsContext): Date | null {
    return ctx.services.queue.dueAt(row);
  }

  @FieldResolver(() => Boolean, { description: "True when the request is open past its dueAt." })
  overdue(@Root() row: AnalysisRequestEntity, @Ctx() ctx: ThreatsContext): boolean {
    return ctx.services.queue.overdue(row);
  }
}

@Resolver(() => AnalysisRequestConnection)
export class AnalysisRequestConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: AnalysisRequestConnection): Promise<number> {
    return connection.countTotal();
  }
}
