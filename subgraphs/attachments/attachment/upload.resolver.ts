import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, Info, Mutation, Resolver } from "type-graphql";
import { idempotent } from "../../kit/idempotency.js";
import type { AttachmentsContext } from "../attachments.context.js";
import { UploadAttachmentsInput, UploadAttachmentsPayload } from "./upload.input.js";
import { drainUnread } from "./upload.service.js";

@Resolver()
export class UploadResolver {
  @Mutation(() => UploadAttachmentsPayload, { description: "Stores files as STAGED uploads; createCase / addCaseUpdate attach them by id (multipart request through the gateway)." })
  async uploadAttachments(@Arg("input", () => UploadAttachmentsInput) input: UploadAttachmentsInput, @Ctx() ctx: AttachmentsContext, @Info() info: GraphQLResolveInfo): Promise<UploadAttachmentsPayload> {
    const { uploads } = ctx.services;
    try {
      // A retry whose first upload committed (its answer lost) is answered with those files, not stored again (kit/idempotency.ts).
      return await idempotent(
        ctx.services.dataSource,
        info,
        { caseId: input.caseId ?? null, organizationId: input.organizationId ?? null, files: (input.files ?? []).length },
        {
          run: async () => ({ attachments: await uploads.uploadAttachments(ctx.principal, input, ctx.loaders.caseAccess) }),
          replay: async (answer) => ({ attachments: await uploads.uploaded(answer.attachmentIds!) }),
        },
      );
    } finally {
      // Whatever the answer (a replay, a key still held, a database down before any file was read), the parser must
      // reach the end of the request: the answer goes out only then, to a client that has finished sending.
      drainUnread(input.files ?? []);
    }
  }
}
