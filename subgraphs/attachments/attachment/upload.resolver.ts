import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { AttachmentsContext } from "../attachments.context.js";
import { UploadAttachmentsInput, UploadAttachmentsPayload } from "./upload.input.js";

@Resolver()
export class UploadResolver {
  @Mutation(() => UploadAttachmentsPayload, { description: "Stores files as STAGED uploads; createCase / addCaseUpdate attach them by id (multipart request through the gateway)." })
  async uploadAttachments(@Arg("input", () => UploadAttachmentsInput) input: UploadAttachmentsInput, @Ctx() ctx: AttachmentsContext): Promise<UploadAttachmentsPayload> {
    return { attachments: await ctx.services.uploads.uploadAttachments(ctx.principal, input, ctx.loaders.caseAccess) };
  }
}
