import { Arg, Ctx, Directive, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import { CaseRef } from "../case/case.js";
import { InquiryType } from "../threat.enums.js";
import type { ThreatsContext } from "../threats.context.js";
import { SubmitForAnalysisInput } from "./threat-analysis.input.js";
import { ThreatAnalysis, ThreatAnalysisPayload } from "./threat-analysis.types.js";

@Resolver(() => CaseRef)
export class CaseThreatAnalysisResolver {
  @FieldResolver(() => ThreatAnalysis, { nullable: true, description: "Null for PRODUCT cases." })
  @Directive('@requires(fields: "inquiryType status")')
  async threatAnalysis(@Root() c: CaseRef, @Ctx() ctx: ThreatsContext): Promise<ThreatAnalysis | null> {
    if (c.inquiryType !== InquiryType.THREAT) return null;
    // The results' availableActions depend on the case being open: the gateway sent its status, no need to ask the cases subgraph.
    ctx.loaders.caseStatus?.set(c.id, c.status);
    const { filesByCase, urlsByCase, emailsByCase, attkByCase } = ctx.loaders;
    const [files, urls, emails, attk] = await Promise.all([filesByCase.load(c.id), urlsByCase.load(c.id), emailsByCase.load(c.id), attkByCase.load(c.id)]);
    return { files, urls, emails, attk };
  }
}

@Resolver()
export class ThreatAnalysisResolver {
  @Mutation(() => ThreatAnalysisPayload, { description: "Files, URLs, e-mails and ATTK logs of a THREAT case to analyse: files and e-mails start ANALYZING, URLs UNRATED, ATTK files collected." })
  async submitForAnalysis(@Arg("input", () => SubmitForAnalysisInput) input: SubmitForAnalysisInput, @Ctx() ctx: ThreatsContext): Promise<ThreatAnalysisPayload> {
    return { threatAnalysis: await ctx.services.analysis.submitForAnalysis(ctx, input) };
  }
}
