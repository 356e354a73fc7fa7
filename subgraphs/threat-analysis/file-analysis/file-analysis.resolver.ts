import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, Info, Mutation, Resolver, Root } from "type-graphql";
import { idempotent } from "../../kit/idempotency.js";
import { AnalysisRequestEntity } from "../analysis-request/analysis-request.entity.js";
import { AnalysisRequestPayload } from "../analysis-request/analysis-request.types.js";
import { AttachmentRef } from "../attachment/attachment.js";
import { EmailAnalysisEntity } from "../email-analysis/email-analysis.entity.js";
import { ThreatAnalysisPayload } from "../threat-analysis/threat-analysis.types.js";
import { FileAction } from "../threat.enums.js";
import type { ThreatsContext } from "../threats.context.js";
import { FileAnalysisEntity } from "./file-analysis.entity.js";
import { FileVerdictEntity } from "./file-verdict.entity.js";
import { RecordFileVerdictInput, RequestFileActionInput } from "./file-analysis.input.js";

@Resolver(() => FileAnalysisEntity)
export class FileAnalysisResolver {
  @Mutation(() => AnalysisRequestPayload, { description: "A customer's request on a file result; only what availableActions offers." })
  async requestFileAction(@Arg("input", () => RequestFileActionInput) input: RequestFileActionInput, @Ctx() ctx: ThreatsContext, @Info() info: GraphQLResolveInfo): Promise<AnalysisRequestPayload> {
    const { requests } = ctx.services;
    // A retry whose first try committed is answered with that request (kit/idempotency.ts), not refused as a duplicate.
    return idempotent(requests.dataSource, info, input, {
      run: async () => ({ request: await requests.requestFileAction(ctx, input) }),
      replay: async (answer) => ({ request: await requests.committed(answer.requestId!) }),
    });
  }

  @Mutation(() => ThreatAnalysisPayload, { description: "Engineers only." })
  async recordFileVerdict(@Arg("input", () => RecordFileVerdictInput) input: RecordFileVerdictInput, @Ctx() ctx: ThreatsContext): Promise<ThreatAnalysisPayload> {
    return { threatAnalysis: await ctx.services.analysis.recordFileVerdict(ctx, input) };
  }

  @FieldResolver(() => [FileAction], { description: "What the caller may request now: draw only these buttons." })
  availableActions(@Root() file: FileAnalysisEntity, @Ctx() ctx: ThreatsContext): Promise<FileAction[]> {
    return ctx.services.requests.fileActionsOffered(ctx, file);
  }

  @FieldResolver(() => AttachmentRef, { nullable: true, description: "The submitted file, when it came from an upload." })
  attachment(@Root() file: FileAnalysisEntity): AttachmentRef | null {
    return file.attachmentId ? { id: file.attachmentId } : null;
  }

  @FieldResolver(() => EmailAnalysisEntity, { nullable: true, description: "When the file was attached to a submitted e-mail." })
  email(@Root() file: FileAnalysisEntity, @Ctx() ctx: ThreatsContext): Promise<EmailAnalysisEntity | null> | null {
    return file.emailAnalysisId ? ctx.loaders.resultById.EmailAnalysis.load(file.emailAnalysisId) : null;
  }

  @FieldResolver(() => [AnalysisRequestEntity])
  requests(@Root() file: FileAnalysisEntity, @Ctx() ctx: ThreatsContext): Promise<AnalysisRequestEntity[]> {
    return ctx.loaders.requestsBySubject.load(file.id);
  }

  @FieldResolver(() => [FileVerdictEntity], { description: "Every verdict recorded on this file, oldest first; the last is the current one. A re-analysis keeps the earlier ones here." })
  verdictHistory(@Root() file: FileAnalysisEntity, @Ctx() ctx: ThreatsContext): Promise<FileVerdictEntity[]> {
    return ctx.loaders.verdictsByFile.load(file.id);
  }
}
