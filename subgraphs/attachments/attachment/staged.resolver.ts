import { Arg, Ctx, Directive, Field, ID, Mutation, ObjectType, Resolver } from "type-graphql";
import { badInput } from "../../kit/errors.js";
import type { AttachmentsContext } from "../attachments.context.js";
import type { ReservationTarget } from "./staged.service.js";

@ObjectType("ReservedAttachment", { description: "A file held for a reservation: the cases subgraph keeps its name in the case's searchable text, in the transaction that attaches it." })
@Directive("@inaccessible")
export class ReservedAttachment {
  @Field(() => ID) id: string;
  @Field(() => String) fileName: string;
}

const INQUIRY_TYPES: readonly string[] = ["PRODUCT", "THREAT"];

/**
 * Subgraph-to-subgraph (`@inaccessible`): the steps of attaching files that the cases subgraph
 * drives (reserve before its transaction, confirm or release after it) with the caller's identity,
 * and that the gateway's relay repeats (confirm, release) as its system principal when the first
 * try did not get through.
 */
@Resolver()
export class StagedAttachmentResolver {
  @Mutation(() => [ReservedAttachment], {
    description: "Holds staged files for a reservation of the cases subgraph (its case facts given, so nothing is asked back) and answers their names; fails with the reason they cannot join the case. Idempotent.",
  })
  @Directive("@inaccessible")
  reserveAttachments(
    @Arg("reservationId", () => ID) reservationId: string,
    @Arg("caseId", () => ID) caseId: string,
    @Arg("updateId", () => ID, { nullable: true }) updateId: string | null,
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("inquiryType", () => String) inquiryType: string,
    @Arg("ids", () => [ID]) ids: string[],
    @Ctx() ctx: AttachmentsContext,
    @Arg("reopening", () => Boolean, { nullable: true, description: "The update reopens a closed case (it may take the caller's uploads for the organization)." }) reopening?: boolean | null,
  ): Promise<ReservedAttachment[]> {
    if (!INQUIRY_TYPES.includes(inquiryType)) throw badInput("inquiryType", `unknown inquiry type ${inquiryType}`);
    const target: ReservationTarget = { caseId, updateId, organizationId, inquiryType: inquiryType as ReservationTarget["inquiryType"], reopening: reopening === true };
    return ctx.services.staged.reserve(ctx.principal, reservationId, target, ids);
  }

  @Mutation(() => Boolean, { description: "The reservation's files become ATTACHED to its case and update. Idempotent." })
  @Directive("@inaccessible")
  confirmReservation(@Arg("reservationId", () => ID) reservationId: string, @Ctx() ctx: AttachmentsContext): Promise<boolean> {
    return ctx.services.staged.confirm(ctx.principal, reservationId);
  }

  @Mutation(() => Boolean, { description: "The reservation's files are STAGED again; a later reserve of it fails. Idempotent." })
  @Directive("@inaccessible")
  releaseReservation(@Arg("reservationId", () => ID) reservationId: string, @Arg("caseId", () => ID) caseId: string, @Ctx() ctx: AttachmentsContext): Promise<boolean> {
    return ctx.services.staged.release(ctx.principal, reservationId, caseId);
  }
}
