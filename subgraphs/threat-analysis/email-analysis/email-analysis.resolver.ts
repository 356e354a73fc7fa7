import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { ThreatAnalysisPayload } from "../threat-analysis/threat-analysis.types.js";
import type { ThreatsContext } from "../threats.context.js";
import { EmailAnalysisEntity } from "./email-analysis.entity.js";
import { RecordEmailVerdictInput } from "./email-analysis.input.js";

@Resolver(() => EmailAnalysisEntity)
export class EmailAnalysisResolver {
  @Mutation(() => ThreatAnalysisPayload, { description: "Engineers only." })
  async recordEmailVerdict(@Arg("input", () => RecordEmailVerdictInput) input: RecordEmailVerdictInput, @Ctx() ctx: ThreatsContext): Promise<ThreatAnalysisPayload> {
    return { threatAnalysis: await ctx.services.analysis.recordEmailVerdict(ctx, input) };
  }
}
