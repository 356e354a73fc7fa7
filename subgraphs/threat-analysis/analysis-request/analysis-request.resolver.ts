import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import { Actor } from "../../kit/actor.js";
import { AttkCollectionEntity } from "../attk-collection/attk-collection.entity.js";
import { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import type { ThreatsContext } from "../threats.context.js";
import { isFileAction } from "./analysis-request-lifecycle.service.js";
import { AnalysisRequestEntity } from "./analysis-request.entity.js";
import { AnswerAnalysisRequestInput, StartAnalysisRequestInput } from "./analysis-request.input.js";
import { AnalysisRequestPayload } from "./analysis-request.types.js";
import { actorOrNull } from "./optional-actor.js";

@Resolver(() => AnalysisRequestEntity)
export class AnalysisRequestResolver {
  @Mutation(() => AnalysisRequestPayload, { description: "Engineers only: SUBMITTED → IN_PROGRESS." })
  async startAnalysisRequest(@Arg("input", () => StartAnalysisRequestInput) input: StartAnalysisRequestInput, @Ctx() ctx: ThreatsContext): Promise<AnalysisRequestPayload> {
    return { request: await ctx.services.requestLifecycle.start(ctx, input) };
  }

  @Mutation(() => AnalysisRequestPayload, {
    description: "Engineers only: SUBMITTED or IN_PROGRESS → DONE (the outcome is recorded on the result) or REJECTED, with a response for the customer.",
  })
  async answerAnalysisRequest(@Arg("input", () => AnswerAnalysisRequestInput) input: AnswerAnalysisRequestInput, @Ctx() ctx: ThreatsContext): Promise<AnalysisRequestPayload> {
    return { request: await ctx.services.requestLifecycle.answer(ctx, input) };
  }

  @FieldResolver(() => Actor, { nullable: true, description: "The engineer who started it." })
  startedBy(@Root() request: AnalysisRequestEntity): Actor | null {
    return actorOrNull(request.startedBy);
  }

  @FieldResolver(() => Actor, { nullable: true, description: "The engineer who answered it." })
  respondedBy(@Root() request: AnalysisRequestEntity): Actor | null {
    return actorOrNull(request.respondedBy);
  }
}

@Resolver(() => AnalysisRequestPayload)
export class AnalysisRequestPayloadResolver {
  @FieldResolver(() => FileAnalysisEntity, { nullable: true, description: "The file result the request is about, as it is after the change (null for ATTK requests)." })
  fileAnalysis(@Root() payload: AnalysisRequestPayload, @Ctx() ctx: ThreatsContext): Promise<FileAnalysisEntity | null> | null {
    return isFileAction(payload.request.action) ? ctx.loaders.resultById.FileAnalysis.load(payload.request.subjectId) : null;
  }

  @FieldResolver(() => AttkCollectionEntity, { nullable: true, description: "The ATTK collection the request is about, as it is after the change (null for file requests)." })
  attkCollection(@Root() payload: AnalysisRequestPayload, @Ctx() ctx: ThreatsContext): Promise<AttkCollectionEntity | null> | null {
    return isFileAction(payload.request.action) ? null : ctx.loaders.resultById.AttkCollection.load(payload.request.subjectId);
  }
}
