import { Arg, Ctx, Directive, ID, Mutation, Resolver } from "type-graphql";
import { badInput } from "../../kit/errors.js";
import type { AttachmentsContext } from "../attachments.context.js";

const INQUIRY_TYPES = ["PRODUCT", "THREAT"];

/** Subgraph-to-subgraph (`@inaccessible`): the cases subgraph's AttachmentLinker calls these as the caller. */
@Resolver()
export class StagedAttachmentResolver {
  @Mutation(() => Boolean, { description: "Fails unless the files can be attached to the case (or to the case being registered, given organizationId and inquiryType)." })
  @Directive("@inaccessible")
  async checkStagedAttachments(
    @Arg("caseId", () => ID) caseId: string,
    @Arg("ids", () => [ID]) ids: string[],
    @Arg("organizationId", () => ID, { nullable: true }) organizationId: string | null,
    @Arg("inquiryType", () => String, { nullable: true }) inquiryType: string | null,
    @Ctx() ctx: AttachmentsContext,
  ): Promise<boolean> {
    if ((organizationId === null) !== (inquiryType === null)) throw badInput("inquiryType", "organizationId and inquiryType describe a new case together");
    if (inquiryType !== null && !INQUIRY_TYPES.includes(inquiryType)) throw badInput("inquiryType", `unknown inquiry type ${inquiryType}`);
    const newCase = organizationId !== null && inquiryType !== null ? { organizationId, inquiryType } : null;
    await ctx.services.staged.check(ctx.principal, caseId, ids, newCase, ctx.loaders.caseAccess);
    return true;
  }

  @Mutation(() => [ID], { description: "Marks staged files ATTACHED to the case (and update); idempotent." })
  @Directive("@inaccessible")
  attachStagedAttachments(
    @Arg("caseId", () => ID) caseId: string,
    @Arg("updateId", () => ID, { nullable: true }) updateId: string | null,
    @Arg("ids", () => [ID]) ids: string[],
    @Ctx() ctx: AttachmentsContext,
  ): Promise<string[]> {
    return ctx.services.staged.attach(ctx.principal, caseId, updateId, ids, ctx.loaders.caseAccess);
  }
}
