import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { pageSize } from "../../kit/pagination.js";
import { PageArgs } from "../../kit/page-args.js";
import { AttachmentEntity } from "../attachment/attachment.entity.js";
import { AttachmentConnection } from "../attachment/attachment.types.js";
import type { AttachmentsContext } from "../attachments.context.js";
import { CaseRef } from "./case.js";

@Resolver(() => CaseRef)
export class CaseAttachmentsResolver {
  @FieldResolver(() => AttachmentConnection, {
    description: "The portal's attachments tab: the files that are part of the case (ATTACHED, sent with its registration or an update), newest first. Files uploaded and not sent yet are in myStagedAttachments.",
  })
  async attachments(@Root() c: CaseRef, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: AttachmentsContext): Promise<AttachmentConnection> {
    pageSize(page.first);
    const [{ edges, pageInfo }, totalCount] = await Promise.all([ctx.loaders.attachmentsPage.load({ parentId: c.id, ...page }), ctx.loaders.attachmentsCount.load(c.id)]);
    return { edges, pageInfo, totalCount };
  }

  @FieldResolver(() => [AttachmentEntity], {
    description:
      "Files the caller uploaded for this case and has not sent with an update yet (STAGED), oldest first: the files waiting in the update form. Nobody else sees them, engineers included; they are deleted after STAGED_TTL_HOURS (24) unless an update (a reopening one on a closed case) carries them.",
  })
  myStagedAttachments(@Root() c: CaseRef, @Ctx() ctx: AttachmentsContext): Promise<AttachmentEntity[]> {
    return ctx.loaders.myStagedByCase.load(c.id);
  }
}
