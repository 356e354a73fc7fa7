import type { FileUpload } from "graphql-upload-minimal";
import { GraphQLUpload } from "graphql-upload-minimal";
import { Field, ID, InputType, ObjectType } from "type-graphql";
import { AttachmentEntity } from "./attachment.entity.js";

@InputType()
export class UploadAttachmentsInput {
  @Field(() => ID, { nullable: true, description: "The case the files are for (a closed one too: only a reopening update can carry them). Give organizationId instead when the case does not exist yet." })
  caseId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "Files for a case about to be registered: staged for this organization, attached by createCase(attachmentIds).",
  })
  organizationId?: string | null;

  @Field(() => [GraphQLUpload], { description: "At most MAX_FILES_PER_UPLOAD files (3 by default; the same limit bounds what one update attaches), each at most MAX_FILE_BYTES (250 MB by default)." })
  files: Promise<FileUpload>[];
}

@ObjectType()
export class UploadAttachmentsPayload {
  @Field(() => [AttachmentEntity]) attachments: AttachmentEntity[];
}
