import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { AnalysisRequestEntity } from "../analysis-request/analysis-request.entity.js";
import { AttachmentRef } from "../attachment/attachment.js";
import { EmailAnalysisEntity } from "../email-analysis/email-analysis.entity.js";
import { availableFileActions } from "../threat-analysis/action-matrix.js";
import { FileAction } from "../threat.enums.js";
import type { ThreatsContext } from "../threats.context.js";
import { FileAnalysisEntity } from "./file-analysis.entity.js";

@Resolver(() => FileAnalysisEntity)
export class FileAnalysisResolver {
  @FieldResolver(() => [FileAction], { description: "What the customer may request now: draw only these buttons." })
  availableActions(@Root() file: FileAnalysisEntity): FileAction[] {
    return availableFileActions(file.verdict, file.threatCategory);
  }

  @FieldResolver(() => AttachmentRef, { nullable: true, description: "The submitted file, when it came from an upload." })
  attachment(@Root() file: FileAnalysisEntity): AttachmentRef | null {
    return file.attachmentId ? { id: file.attachmentId } : null;
  }

  @FieldResolver(() => EmailAnalysisEntity, { nullable: true, description: "When the file was attached to a submitted e-mail." })
  email(@Root() file: FileAnalysisEntity, @Ctx() ctx: ThreatsContext): Promise<EmailAnalysisEntity | null> | null {
    return file.emailAnalysisId ? ctx.loaders.emailById.load(file.emailAnalysisId) : null;
  }

  @FieldResolver(() => [AnalysisRequestEntity])
  requests(@Root() file: FileAnalysisEntity, @Ctx() ctx: ThreatsContext): Promise<AnalysisRequestEntity[]> {
    return ctx.loaders.requestsBySubject.load(file.id);
  }
}
