import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The attachments subgraph's Attachment: this subgraph only points at it. */
@ObjectType("Attachment")
@Directive('@key(fields: "id", resolvable: false)')
export class AttachmentRef {
  @Field(() => ID) id: string;
}
