import type DataLoader from "dataloader";
import { Arg, Ctx, Directive, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import { AttkCollectionEntity } from "../attk-collection/attk-collection.entity.js";
import { CaseRef } from "../case/case.js";
import { EmailAnalysisEntity } from "../email-analysis/email-analysis.entity.js";
import { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import { InquiryType } from "../threat.enums.js";
import type { ThreatsContext } from "../threats.context.js";
import { UrlAnalysisEntity } from "../url-analysis/url-analysis.entity.js";
import { SubmitForAnalysisInput } from "./threat-analysis.input.js";
import { ThreatAnalysis, ThreatAnalysisPayload } from "./threat-analysis.types.js";

@Resolver(() => CaseRef)
export class CaseThreatAnalysisResolver {
  @FieldResolver(() => ThreatAnalysis, { nullable: true, description: "Null for PRODUCT cases." })
  @Directive('@requires(fields: "inquiryType status")')
  threatAnalysis(@Root() c: CaseRef, @Ctx() ctx: ThreatsContext): ThreatAnalysis | null {
    if (c.inquiryType !== InquiryType.THREAT) return null;
    // The results' availableActions depend on the case being open: the gateway sent its status, no need to ask the cases subgraph.
    ctx.loaders.caseStatus?.set(c.id, c.status);
    return { caseId: c.id };
  }
}

/** The results a mutation read, else the case's results of that kind from the request's loader. */
function resultsOf<T>(given: T[] | undefined, analysis: ThreatAnalysis, byCase: DataLoader<string, T[]>): T[] | Promise<T[]> {
  if (given) return given;
  if (analysis.caseId === undefined) throw new Error("A ThreatAnalysis carries neither its results nor its case");
  return byCase.load(analysis.caseId);
}

/** Each kind of result is read only when the query selects it. */
@Resolver(() => ThreatAnalysis)
export class ThreatAnalysisResultsResolver {
  @FieldResolver(() => [FileAnalysisEntity])
  files(@Root() analysis: ThreatAnalysis, @Ctx() ctx: ThreatsContext): FileAnalysisEntity[] | Promise<FileAnalysisEntity[]> {
    return resultsOf(analysis.files, analysis, ctx.loaders.filesByCase);
  }

  @FieldResolver(() => [UrlAnalysisEntity])
  urls(@Root() analysis: ThreatAnalysis, @Ctx() ctx: ThreatsContext): UrlAnalysisEntity[] | Promise<UrlAnalysisEntity[]> {
    return resultsOf(analysis.urls, analysis, ctx.loaders.urlsByCase);
  }

  @FieldResolver(() => [EmailAnalysisEntity])
  emails(@Root() analysis: ThreatAnalysis, @Ctx() ctx: ThreatsContext): EmailAnalysisEntity[] | Promise<EmailAnalysisEntity[]> {
    return resultsOf(analysis.emails, analysis, ctx.loaders.emailsByCase);
  }

  @FieldResolver(() => [AttkCollectionEntity])
  attk(@Root() analysis: ThreatAnalysis, @Ctx() ctx: ThreatsContext): AttkCollectionEntity[] | Promise<AttkCollectionEntity[]> {
    return resultsOf(analysis.attk, analysis, ctx.loaders.attkByCase);
  }
}

@Resolver()
export class ThreatAnalysisResolver {
  @Mutation(() => ThreatAnalysisPayload, { description: "Files, URLs, e-mails and ATTK logs of a THREAT case to analyse: files and e-mails start ANALYZING, URLs UNRATED, ATTK files collected." })
  async submitForAnalysis(@Arg("input", () => SubmitForAnalysisInput) input: SubmitForAnalysisInput, @Ctx() ctx: ThreatsContext): Promise<ThreatAnalysisPayload> {
    return { threatAnalysis: await ctx.services.analysis.submitForAnalysis(ctx, input) };
  }
}
