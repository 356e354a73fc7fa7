import { Arg, Ctx, Directive, Field, ID, ObjectType, Query, Resolver } from "type-graphql";
import { In } from "typeorm";
import { domainError, ErrorCode } from "../../kit/errors.js";
import { ATTACHMENT_RESERVED } from "../../kit/reservation-protocol.js";
import { canSeeOrganization } from "../../kit/principal.js";
import { AttachmentEntity, AttachmentState, VisibleAttachmentState } from "../attachment/attachment.entity.js";
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
    // A failed read (the database restarting) is that error, not "no such file": the caller would refuse a file of the case as none of it.
    const failed = rows.find((row) => row instanceof Error);
    if (failed) throw failed;
    // A file the caller cannot see may be one in transit: attached by an update that committed, its confirmation
    // not yet delivered (the relay delivers it). That is "retry shortly", not "not a file of this case".
    const missing = ids.filter((_id, index) => rows[index] === null);
    if (missing.length) {
      const reserved = await ctx.services.dataSource.getRepository(AttachmentEntity).findBy({ id: In(missing), state: AttachmentState.RESERVED });
      const inTransit = reserved.find((row) => canSeeOrganization(ctx.principal, row.organizationId));
      if (inTransit) {
        throw domainError(ErrorCode.CONFLICT, `${inTransit.fileName} is being attached to an update or case; retry shortly`, { reason: ATTACHMENT_RESERVED });
      }
    }
    // A file uploaded before its case exists is nobody's case file yet.
    return rows.map((row) => (row && !(row instanceof Error) && row.caseId !== null ? (row as AttachmentFacts) : null));
  }
}
