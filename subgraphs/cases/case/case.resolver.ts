import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { idempotent } from "../../kit/idempotency.js";
import { PageArgs } from "../../kit/page-args.js";
import { notFound } from "../../kit/errors.js";
import { pageSize } from "../../kit/pagination.js";
import type { CasesContext } from "../cases.context.js";
import { Organization } from "../organization/organization.entity.js";
import { ProductProfile } from "../product-profile/product-profile.entity.js";
import { CaseEntity } from "./case.entity.js";
import { CaseField } from "./case.enums.js";
import { AddCaseUpdateInput, CaseFilter, CaseOrder, CloseCaseInput, CreateCaseInput, SetCaseSubStatusInput, UpdateCaseInput } from "./case.input.js";
import { editableFields } from "./case.rules.js";
import { searchCases } from "./case.search.js";
import { AddCaseUpdatePayload, CaseConnection, CaseEventConnection, CasePayload, CaseUpdateConnection } from "./case.types.js";

@Resolver(() => CaseEntity)
export class CaseResolver {
  @Query(() => CaseEntity, { nullable: true, description: "Null when missing OR not visible to the caller." })
  async case(@Arg("id", () => ID) id: string, @Ctx() ctx: CasesContext): Promise<CaseEntity | null> {
    return ctx.loaders.caseById.load(id);
  }

  @Query(() => CaseEntity, { nullable: true })
  async caseByNumber(@Arg("caseNumber", () => String) caseNumber: string, @Ctx() ctx: CasesContext): Promise<CaseEntity | null> {
    return ctx.services.cases.findByNumber(ctx.principal, caseNumber);
  }

  @Query(() => CaseConnection)
  async cases(
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => CaseFilter, { nullable: true }) filter: CaseFilter | null,
    @Arg("orderBy", () => CaseOrder, { nullable: true }) orderBy: CaseOrder | null,
    @Ctx() ctx: CasesContext,
  ): Promise<CaseConnection> {
    const connection = await searchCases(ctx.services.dataSource, ctx.principal, { ...page, filter, orderBy, responseTargets: ctx.services.responseTargets, searchPlan: ctx.services.search.plan });
    for (const edge of connection.edges) ctx.loaders.caseById.prime(edge.node.id, edge.node);
    return connection;
  }

  // Every mutation here records the caller's Idempotency-Key with its change (kit/idempotency.ts): a retry whose first try committed is answered from it.
  @Mutation(() => CasePayload)
  async createCase(@Arg("input", () => CreateCaseInput) input: CreateCaseInput, @Ctx() ctx: CasesContext, @Info() info: GraphQLResolveInfo): Promise<CasePayload> {
    const { cases } = ctx.services;
    return idempotent(ctx.services.dataSource, info, input, {
      run: async () => ({ case: await cases.createCase(ctx.principal, input, ctx.identityToken) }),
      replay: async (answer) => ({ case: await cases.committed(answer.caseId!) }),
    });
  }

  @Mutation(() => CasePayload)
  async updateCase(@Arg("input", () => UpdateCaseInput) input: UpdateCaseInput, @Ctx() ctx: CasesContext, @Info() info: GraphQLResolveInfo): Promise<CasePayload> {
    const { cases } = ctx.services;
    return idempotent(ctx.services.dataSource, info, input, {
      run: async () => ({ case: await cases.updateCase(ctx.principal, input) }),
      replay: async (answer) => ({ case: await cases.committed(answer.caseId!) }),
    });
  }

  @Mutation(() => CasePayload)
  async closeCase(@Arg("input", () => CloseCaseInput) input: CloseCaseInput, @Ctx() ctx: CasesContext, @Info() info: GraphQLResolveInfo): Promise<CasePayload> {
    const { cases } = ctx.services;
    return idempotent(ctx.services.dataSource, info, input, {
      run: async () => ({ case: await cases.closeCase(ctx.principal, input) }),
      replay: async (answer) => ({ case: await cases.committed(answer.caseId!) }),
    });
  }

  @Mutation(() => AddCaseUpdatePayload)
  async addCaseUpdate(@Arg("input", () => AddCaseUpdateInput) input: AddCaseUpdateInput, @Ctx() ctx: CasesContext, @Info() info: GraphQLResolveInfo): Promise<AddCaseUpdatePayload> {
    const { cases } = ctx.services;
    return idempotent(ctx.services.dataSource, info, input, {
      run: () => cases.addCaseUpdate(ctx.principal, input, ctx.identityToken),
      replay: async (answer) => ({ case: await cases.committed(answer.caseId!), update: await cases.committedUpdate(answer.updateId!) }),
    });
  }

  @Mutation(() => CasePayload, { description: "Engineers only." })
  async setCaseSubStatus(@Arg("input", () => SetCaseSubStatusInput) input: SetCaseSubStatusInput, @Ctx() ctx: CasesContext, @Info() info: GraphQLResolveInfo): Promise<CasePayload> {
    const { cases } = ctx.services;
    return idempotent(ctx.services.dataSource, info, input, {
      run: async () => ({ case: await cases.setCaseSubStatus(ctx.principal, input) }),
      replay: async (answer) => ({ case: await cases.committed(answer.caseId!) }),
    });
  }

  @FieldResolver(() => ProductProfile)
  async productProfile(@Root() c: CaseEntity, @Ctx() ctx: CasesContext): Promise<ProductProfile> {
    const profile = await ctx.loaders.productProfileById.load(c.productProfileId);
    if (!profile) throw notFound("ProductProfile", c.productProfileId);
    return profile;
  }

  @FieldResolver(() => Organization)
  async organization(@Root() c: CaseEntity, @Ctx() ctx: CasesContext): Promise<Organization> {
    const organization = await ctx.loaders.organizationById.load(c.organizationId);
    if (!organization) throw notFound("Organization", c.organizationId);
    return organization;
  }

  @FieldResolver(() => [CaseField], { description: "What the caller may change now (the portal's pencil icons)." })
  editableFields(@Root() c: CaseEntity, @Ctx() ctx: CasesContext): CaseField[] {
    return editableFields(ctx.principal, c.status);
  }

  @FieldResolver(() => CaseUpdateConnection)
  async updates(@Root() c: CaseEntity, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: CasesContext): Promise<CaseUpdateConnection> {
    pageSize(page.first);
    const { edges, pageInfo } = await ctx.loaders.updatesPage.load({ parentId: c.id, ...page });
    return Object.assign(new CaseUpdateConnection(), { edges, pageInfo, caseId: c.id });
  }

  @FieldResolver(() => CaseEventConnection)
  async history(@Root() c: CaseEntity, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: CasesContext): Promise<CaseEventConnection> {
    pageSize(page.first);
    return ctx.loaders.historyPage.load({ parentId: c.id, ...page });
  }
}

@Resolver(() => CaseConnection)
export class CaseConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: CaseConnection): Promise<number> {
    return connection.countTotal();
  }
}

@Resolver(() => CaseUpdateConnection)
export class CaseUpdateConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: CaseUpdateConnection, @Ctx() ctx: CasesContext): Promise<number> {
    return ctx.loaders.updatesCount.load(connection.caseId);
  }
}
