import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateTime } from "../../kit/scalars.js";
import { Actor } from "../../kit/actor.js";

/** Text a customer or engineer adds to a case ("Update case" in the portal). */
@ObjectType("CaseUpdate")
@Directive('@key(fields: "id")')
@Entity("case_updates")
@Index(["caseId", "createdAt", "id"])
export class CaseUpdateEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ type: "varchar", length: 36 })
  caseId: string;

  @Field(() => String)
  @Column({ type: "text" })
  body: string;

  @Field(() => Actor)
  @Column(() => Actor)
  author: Actor;

  @Field(() => Boolean)
  @Column({ type: "boolean" })
  requestedReopen: boolean;

  @Field(() => DateTime)
  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;
}
