import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import type { AttachmentsContext } from "../attachments.context.js";
import { AttachmentEntity } from "./attachment.entity.js";

@Resolver()
export class MyStagedAttachmentsResolver {
  @Query(() => [AttachmentEntity], {
    description:
      "Files the caller uploaded for a case of this organization that is not registered yet (uploadAttachments with organizationId) and has not sent yet, oldest first; createCase, or a reopening addCaseUpdate, takes them by id. Nobody else sees them. A case's own staged files are Case.myStagedAttachments.",
  })
  myStagedAttachments(@Arg("organizationId", () => ID) organizationId: string, @Ctx() ctx: AttachmentsContext): Promise<AttachmentEntity[]> {
    return ctx.loaders.myStagedByOrganization.load(organizationId);
  }
}
