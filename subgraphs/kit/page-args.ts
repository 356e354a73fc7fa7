import { ArgsType, Field, Int } from "type-graphql";

/** `first` / `after` of every Relay list (`first` defaults to 20, at most 100). */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
}
