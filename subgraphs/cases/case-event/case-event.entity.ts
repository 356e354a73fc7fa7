import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateTime } from "../../kit/scalars.js";
import { Actor } from "../../kit/actor.js";

/** One change to one field of a case: who, when, old and new value (rule 12 in docs/domain.md). */
@ObjectType("CaseEvent")
@Entity("case_events")
@Index(["caseId", "at", "id"])
export class CaseEventEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ type: "varchar", length: 36 })
  caseId: string;

  @Field(() => Actor)
  @Column(() => Actor)
  actor: Actor;

  @Field(() => String, { description: 'e.g. "severity", "subStatus", "ccEmails", "status", "reopen"' })
  @Column({ type: "varchar", length: 32 })
  field: string;

  @Field(() => String, { nullable: true })
  @Column({ type: "text", nullable: true })
  oldValue: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: "text", nullable: true })
  newValue: string | null;

  @Field(() => String, { nullable: true, description: "The engineer's comment on a sub-status change." })
  @Column({ type: "text", nullable: true })
  comment: string | null;

  @Field(() => DateTime)
  @Column({ type: "datetime", precision: 3 })
  at: Date;
}
