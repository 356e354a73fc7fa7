import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import { AttachmentRef } from "../attachment/attachment.js";
import { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import { ThreatAnalysisPayload } from "../threat-analysis/threat-analysis.types.js";
import type { ThreatsContext } from "../threats.context.js";
import { EmailAnalysisEntity } from "./email-analysis.entity.js";
import { RecordEmailFileInput, RecordEmailVerdictInput } from "./email-analysis.input.js";

@Resolver(() => EmailAnalysisEntity)
export class EmailAnalysisResolver {
  @Mutation(() => ThreatAnalysisPayload, { description: "Engineers only." })
  async recordEmailVerdict(@Arg("input", () => RecordEmailVerdictInput) input: RecordEmailVerdictInput, @Ctx() ctx: ThreatsContext): Promise<ThreatAnalysisPayload> {
    return { threatAnalysis: await ctx.services.analysis.recordEmailVerdict(ctx, input) };
  }

  @Mutation(() => ThreatAnalysisPayload, { description: "Engineers only: the result of a file attached to an e-mail of the case (added, or updated by e-mail and file name)." })
  async recordEmailFile(@Arg("input", () => RecordEmailFileInput) input: RecordEmailFileInput, @Ctx() ctx: ThreatsContext): Promise<ThreatAnalysisPayload> {
    return { threatAnalysis: await ctx.services.emails.recordEmailFile(ctx, input) };
  }

  @FieldResolver(() => [FileAnalysisEntity], { description: "The files attached to this e-mail, oldest first (each is also in ThreatAnalysis.files)." })
  files(@Root() email: EmailAnalysisEntity, @Ctx() ctx: ThreatsContext): Promise<FileAnalysisEntity[]> {
    return ctx.loaders.filesByEmail.load(email.id);
  }

  @FieldResolver(() => AttachmentRef, { nullable: true, description: "The uploaded archive the message came in, when the customer submitted it." })
  attachment(@Root() email: EmailAnalysisEntity): AttachmentRef | null {
    return email.attachmentId ? { id: email.attachmentId } : null;
  }
}
