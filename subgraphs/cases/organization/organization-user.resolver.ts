import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { whereVisible } from "../../kit/visibility.js";
import type { CasesContext } from "../cases.context.js";
import { OrganizationUser } from "./organization-user.entity.js";

@Resolver(() => OrganizationUser)
export class OrganizationUserResolver {
  @Query(() => [OrganizationUser], {
    description: "Users of the organizations the caller may act for (or of one of them): whom createCase may name as registrant when registering on an organization's behalf.",
  })
  async organizationUsers(@Arg("organizationId", () => ID, { nullable: true }) organizationId: string | null, @Ctx() ctx: CasesContext): Promise<OrganizationUser[]> {
    const qb = ctx.services.dataSource.getRepository(OrganizationUser).createQueryBuilder("u");
    if (organizationId) qb.andWhere("u.organizationId = :organizationId", { organizationId });
    return whereVisible(qb, ctx.principal, "u").orderBy("u.organizationId").addOrderBy("u.name").addOrderBy("u.id").getMany();
  }
}
