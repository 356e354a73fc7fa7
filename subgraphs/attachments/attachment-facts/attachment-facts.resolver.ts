import { Arg, Ctx, Directive, Field, ID, ObjectType, Query, Resolver } from "type-graphql";
import { type AttachmentState, VisibleAttachmentState } from "../attachment/attachment.entity.js";
import type { AttachmentsContext } from "../attachments.context.js";

/**
 * What another subgraph needs to know about a file (threat-analysis turns submitted files into
 * results). Hidden from clients: `@inaccessible` in the supergraph.
 */
@ObjectType()
@Directive("@inaccessible")
export class AttachmentFacts {
  @Field(() => ID) id: string;
  @Field(() => ID) caseId: string;
  @Field(() => String) fileName: string;
  @Field(() => String) sha1: string;
  @Field(() => VisibleAttachmentState) state: AttachmentState;
  @Field(() => [String], { nullable: true, description: "File entries of an encrypted archive; null when not known (see AttachmentEntity.entryNames)." }) entryNames: string[] | null;
}

@Resolver()
export class AttachmentFactsResolver {
  @Query(() => [AttachmentFacts], { nullable: "items", description: "Subgraph-to-subgraph: null for files the caller may not see." })
  @Directive("@inaccessible")
  async attachmentFacts(@Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: AttachmentsContext): Promise<(AttachmentFacts | null)[]> {
    const rows = await ctx.loaders.attachmentById.loadMany(ids);
    // A file uploaded before its case exists is nobody's case file yet.
    return rows.map((row) => (row && !(row instanceof Error) && row.caseId !== null ? (row as AttachmentFacts) : null));
  }
}
