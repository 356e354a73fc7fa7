import type { ReferenceResolvers } from "../../kit/federated-schema.js";
import type { AttachmentsContext } from "../attachments.context.js";

/** `_entities` for Attachment: batched, null for files the caller may not see. */
export const attachmentReferenceResolvers: ReferenceResolvers = {
  Attachment: {
    __resolveReference: (reference: { id: string }, ctx: AttachmentsContext) => ctx.loaders.attachmentById.load(reference.id),
  },
};
