import { Arg, Ctx, Directive, Field, ID, InputType, Int, Mutation, ObjectType, Resolver } from "type-graphql";
import { forbidden } from "../../kit/errors.js";
import { isRelay, type Principal } from "../../kit/principal.js";
import type { ReservationCommandKind } from "../../kit/reservation-protocol.js";
import type { CasesContext } from "../cases.context.js";

/** Commands one relay pass may claim at once. */
const MAX_CLAIM = 500;

@ObjectType("ReservationCommand")
@Directive("@inaccessible")
export class ReservationCommandType {
  @Field(() => ID) reservationId: string;
  @Field(() => ID) caseId: string;
  @Field(() => String, { description: "confirm or release" }) command: ReservationCommandKind;
}

@ObjectType("ReservationCommandBatch")
@Directive("@inaccessible")
export class ReservationCommandBatchType {
  @Field(() => ID) claimToken: string;
  @Field(() => [ReservationCommandType]) commands: ReservationCommandType[];
}

@InputType("ReservationDeliveryInput")
@Directive("@inaccessible")
export class ReservationDeliveryInput {
  @Field(() => ID) reservationId: string;
  @Field(() => Boolean) delivered: boolean;
  @Field(() => String, { nullable: true }) error?: string | null;
}

/** Only the gateway's relay (its system principal) reaches these; a user, an API key or a forged kind gets FORBIDDEN. */
function requireRelay(principal: Principal): void {
  if (!isRelay(principal)) throw forbidden("Only the gateway's reservation relay delivers reservation commands");
}

/**
 * Subgraph-to-gateway (`@inaccessible`): step 7 of the reservation protocol. The gateway's relay,
 * the only process that can sign an identity once the request that wrote a command is gone, claims
 * the commands whose own try did not get through, delivers them to the attachments subgraph, and
 * reports back. Each claim first runs the recovery of step 6 (local, no call out).
 */
@Resolver()
export class ReservationRelayResolver {
  @Mutation(() => ReservationCommandBatchType, { description: "Claims up to `limit` due confirm/release commands for one relay pass, after releasing reservations whose request died." })
  @Directive("@inaccessible")
  async claimReservationCommands(@Arg("limit", () => Int) limit: number, @Ctx() ctx: CasesContext): Promise<ReservationCommandBatchType> {
    requireRelay(ctx.principal);
    const { reservations } = ctx.services;
    await reservations.releaseStalePending();
    const claim = await reservations.claim(Math.min(Math.max(1, limit), MAX_CLAIM));
    return {
      claimToken: claim.claimToken,
      commands: claim.rows.map(({ reservation, command }) => ({ reservationId: reservation.id, caseId: reservation.caseId, command })),
    };
  }

  @Mutation(() => Int, { description: "Records how the claimed commands went; returns how many reports were recorded." })
  @Directive("@inaccessible")
  ackReservationCommands(@Arg("claimToken", () => ID) claimToken: string, @Arg("deliveries", () => [ReservationDeliveryInput]) deliveries: ReservationDeliveryInput[], @Ctx() ctx: CasesContext): Promise<number> {
    requireRelay(ctx.principal);
    return ctx.services.reservations.recordDeliveries(claimToken, deliveries);
  }
}
