import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { signFileLink } from "../../kit/file-links.js";
import type { AttachmentsContext } from "../attachments.context.js";
import { AttachmentEntity } from "./attachment.entity.js";

@Resolver(() => AttachmentEntity)
export class AttachmentResolver {
  @FieldResolver(() => String, { description: "Signed, expiring URL on the gateway's origin." })
  downloadUrl(@Root() attachment: AttachmentEntity, @Ctx() ctx: AttachmentsContext): string {
    const { publicUrl, fileLinkSecret, downloadLinkSeconds } = ctx.services.config;
    const expires = Math.floor(Date.now() / 1000) + downloadLinkSeconds;
    return signFileLink(publicUrl, fileLinkSecret, attachment.id, expires);
  }
}
