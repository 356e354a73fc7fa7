import { Field, Int, ObjectType } from "type-graphql";
import { PageInfo } from "../../kit/pagination.js";
import { AttachmentEntity } from "./attachment.entity.js";

@ObjectType()
export class AttachmentEdge {
  @Field(() => String) cursor: string;
  @Field(() => AttachmentEntity) node: AttachmentEntity;
}

@ObjectType()
export class AttachmentConnection {
  @Field(() => [AttachmentEdge]) edges: AttachmentEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
  @Field(() => Int) totalCount: number;
}
