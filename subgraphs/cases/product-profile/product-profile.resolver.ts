import { Ctx, Query, Resolver } from "type-graphql";
import type { CasesContext } from "../cases.context.js";
import { whereVisible } from "../../kit/visibility.js";
import { ProductProfile } from "./product-profile.entity.js";

@Resolver(() => ProductProfile)
export class ProductProfileResolver {
  @Query(() => [ProductProfile], { description: "Product profiles of the organizations the caller may act for." })
  async productProfiles(@Ctx() ctx: CasesContext): Promise<ProductProfile[]> {
    const qb = ctx.services.dataSource.getRepository(ProductProfile).createQueryBuilder("c");
    return whereVisible(qb, ctx.principal, "c").orderBy("c.organizationId").addOrderBy("c.name").addOrderBy("c.id").getMany();
  }
}
