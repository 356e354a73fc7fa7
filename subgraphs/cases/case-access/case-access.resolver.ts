import { Arg, Ctx, Directive, Field, ID, ObjectType, Query, Resolver } from "type-graphql";
import { CaseStatus, InquiryType, Severity, ThreatCategory } from "../case/case.enums.js";
import type { CasesContext } from "../cases.context.js";

/**
 * What the other subgraphs need to know about a case to enforce the same rules (organization,
 * type, category, status, severity). Hidden from clients: `@inaccessible` in the supergraph.
 */
@ObjectType()
@Directive("@inaccessible")
export class CaseAccess {
  @Field(() => ID) id: string;
  @Field(() => ID) organizationId: string;
  @Field(() => InquiryType) inquiryType: InquiryType;
  @Field(() => ThreatCategory, { nullable: true }) threatCategory: ThreatCategory | null;
  @Field(() => CaseStatus) status: CaseStatus;
  @Field(() => Severity) severity: Severity;
}

@Resolver()
export class CaseAccessResolver {
  @Query(() => [CaseAccess], { nullable: "items", description: "Subgraph-to-subgraph: null for cases the caller may not see." })
  @Directive("@inaccessible")
  async caseAccess(@Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: CasesContext): Promise<(CaseAccess | null)[]> {
    const rows = await ctx.loaders.caseById.loadMany(ids);
    // A failed read (the database restarting) is that error, not "no such case": the caller would answer NOT_FOUND for a case that exists.
    const failed = rows.find((c) => c instanceof Error);
    if (failed) throw failed;
    return rows as (CaseAccess | null)[];
  }
}
