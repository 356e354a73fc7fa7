import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { ThreatAnalysisPayload } from "../threat-analysis/threat-analysis.types.js";
import type { ThreatsContext } from "../threats.context.js";
import { UrlAnalysisEntity } from "./url-analysis.entity.js";
import { RecordUrlRatingInput } from "./url-analysis.input.js";

@Resolver(() => UrlAnalysisEntity)
export class UrlAnalysisResolver {
  @Mutation(() => ThreatAnalysisPayload, { description: "Engineers only." })
  async recordUrlRating(@Arg("input", () => RecordUrlRatingInput) input: RecordUrlRatingInput, @Ctx() ctx: ThreatsContext): Promise<ThreatAnalysisPayload> {
    return { threatAnalysis: await ctx.services.analysis.recordUrlRating(ctx, input) };
  }
}
