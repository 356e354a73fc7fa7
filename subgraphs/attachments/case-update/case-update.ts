import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The cases subgraph's CaseUpdate: the key, to add the files attached with it. */
@ObjectType("CaseUpdate")
@Directive('@key(fields: "id")')
export class CaseUpdateRef {
  @Field(() => ID) id: string;
}
