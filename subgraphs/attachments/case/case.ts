import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The cases subgraph's Case, as far as this subgraph knows it: the key, to add the attachments tab. */
@ObjectType("Case")
@Directive('@key(fields: "id")')
export class CaseRef {
  @Field(() => ID) id: string;
}
