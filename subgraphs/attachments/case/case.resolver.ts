import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { pageSize } from "../../kit/pagination.js";
import { PageArgs } from "../../kit/page-args.js";
import { AttachmentConnection } from "../attachment/attachment.types.js";
import type { AttachmentsContext } from "../attachments.context.js";
import { CaseRef } from "./case.js";

@Resolver(() => CaseRef)
export class CaseAttachmentsResolver {
  @FieldResolver(() => AttachmentConnection, { description: "The portal's attachments tab: every file of the case, newest first." })
  async attachments(@Root() c: CaseRef, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: AttachmentsContext): Promise<AttachmentConnection> {
    pageSize(page.first);
    const [{ edges, pageInfo }, totalCount] = await Promise.all([ctx.loaders.attachmentsPage.load({ parentId: c.id, ...page }), ctx.loaders.attachmentsCount.load(c.id)]);
    return { edges, pageInfo, totalCount };
  }
}
