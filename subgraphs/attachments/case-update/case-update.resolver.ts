import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { AttachmentEntity } from "../attachment/attachment.entity.js";
import type { AttachmentsContext } from "../attachments.context.js";
import { CaseUpdateRef } from "./case-update.js";

@Resolver(() => CaseUpdateRef)
export class CaseUpdateAttachmentsResolver {
  @FieldResolver(() => [AttachmentEntity], { description: "Files attached with this update." })
  attachments(@Root() update: CaseUpdateRef, @Ctx() ctx: AttachmentsContext): Promise<AttachmentEntity[]> {
    return ctx.loaders.attachmentsByUpdate.load(update.id);
  }
}
