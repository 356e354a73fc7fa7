import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { forbidden } from "../../kit/errors.js";
import { linkPrincipalOf, signFileLink } from "../../kit/file-links.js";
import type { AttachmentsContext } from "../attachments.context.js";
import { AttachmentEntity } from "./attachment.entity.js";

@Resolver(() => AttachmentEntity)
export class AttachmentResolver {
  /**
   * Minted for the caller, who can see this file (every read that returns an Attachment checked it),
   * and for nobody else: the signature covers the file, the caller, the file's organization and the expiry.
   */
  @FieldResolver(() => String, {
    description:
      "Signed link on the gateway's origin that downloads the file on its own, without credentials (an <a href>, an <img>, a download manager), for FILE_LINK_TTL_SECONDS (5 minutes by default). Treat it as a secret; read the field again for a fresh one.",
  })
  downloadUrl(@Root() attachment: AttachmentEntity, @Ctx() ctx: AttachmentsContext): string {
    const { publicUrl, fileLinkSecret, fileLinkTtlSeconds } = ctx.services.config;
    const principal = linkPrincipalOf(ctx.principal);
    if (!principal) throw forbidden("Only users and API keys get download links");
    const expires = Math.floor(ctx.services.clock().getTime() / 1000) + fileLinkTtlSeconds;
    return signFileLink(publicUrl, fileLinkSecret, { attachmentId: attachment.id, principal, organizationId: attachment.organizationId, expires });
  }
}
