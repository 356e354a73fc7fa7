import { FieldResolver, Resolver, Root } from "type-graphql";
import { CaseEdge } from "../case/case.types.js";
import { CaseSearchSnippet } from "./search.types.js";

/** `CaseEdge.snippet`: why the case matched `filter.search`; null without a search. */
@Resolver(() => CaseEdge)
export class CaseEdgeSearchResolver {
  @FieldResolver(() => CaseSearchSnippet, {
    nullable: true,
    description: "With filter.search: an excerpt showing why this case matched, the searched words marked (null without a search, or when only the case number matched).",
  })
  async snippet(@Root() edge: CaseEdge): Promise<CaseSearchSnippet | null> {
    return edge.searchSnippet ? edge.searchSnippet() : null;
  }
}
