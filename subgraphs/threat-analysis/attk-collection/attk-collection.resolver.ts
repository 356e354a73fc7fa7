import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, Info, Mutation, Resolver, Root } from "type-graphql";
import { idempotent } from "../../kit/idempotency.js";
import { AnalysisRequestEntity } from "../analysis-request/analysis-request.entity.js";
import { AnalysisRequestPayload } from "../analysis-request/analysis-request.types.js";
import { ThreatAnalysisPayload } from "../threat-analysis/threat-analysis.types.js";
import { AttkAction } from "../threat.enums.js";
import type { ThreatsContext } from "../threats.context.js";
import { AttkCollectionEntity } from "./attk-collection.entity.js";
import { RecordAttkFileInput, RequestAttkActionInput } from "./attk-collection.input.js";

@Resolver(() => AttkCollectionEntity)
export class AttkCollectionResolver {
  @Mutation(() => AnalysisRequestPayload, { description: "A customer's request on an ATTK result; only what availableActions offers." })
  async requestAttkAction(@Arg("input", () => RequestAttkActionInput) input: RequestAttkActionInput, @Ctx() ctx: ThreatsContext, @Info() info: GraphQLResolveInfo): Promise<AnalysisRequestPayload> {
    const { requests } = ctx.services;
    // A retry whose first try committed is answered with that request (kit/idempotency.ts), not refused as a duplicate.
    return idempotent(requests.dataSource, info, input, {
      run: async () => ({ request: await requests.requestAttkAction(ctx, input) }),
      replay: async (answer) => ({ request: await requests.committed(answer.requestId!) }),
    });
  }

  @Mutation(() => ThreatAnalysisPayload, { description: "Engineers only." })
  async recordAttkFile(@Arg("input", () => RecordAttkFileInput) input: RecordAttkFileInput, @Ctx() ctx: ThreatsContext): Promise<ThreatAnalysisPayload> {
    return { threatAnalysis: await ctx.services.analysis.recordAttkFile(ctx, input) };
  }

  @FieldResolver(() => [AttkAction], { description: "What the caller may request now: draw only these buttons." })
  availableActions(@Root() attk: AttkCollectionEntity, @Ctx() ctx: ThreatsContext): Promise<AttkAction[]> {
    return ctx.services.requests.attkActionsOffered(ctx, attk);
  }

  @FieldResolver(() => [String], { description: 'The files the customer is asked to collect next (the answer to a "collect more files" request); empty until then.' })
  filesToCollect(@Root() attk: AttkCollectionEntity): string[] {
    return attk.filesToCollect ?? [];
  }

  @FieldResolver(() => [AnalysisRequestEntity])
  requests(@Root() attk: AttkCollectionEntity, @Ctx() ctx: ThreatsContext): Promise<AnalysisRequestEntity[]> {
    return ctx.loaders.requestsBySubject.load(attk.id);
  }
}
