import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { DateTime } from "../../kit/scalars.js";
import { CaseScoped } from "../threat-analysis/case-scoped.js";

/** One file the Anti-Threat Toolkit was to collect on the infected machine. */
@ObjectType("AttkCollection")
@Directive('@key(fields: "id")')
@Entity("attk_collections")
export class AttkCollectionEntity extends CaseScoped {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 255 })
  fileName: string;

  @Field(() => Boolean)
  @Column({ type: "boolean" })
  collected: boolean;

  @Field(() => DateTime, { nullable: true, description: "When an engineer last recorded this file's collection state." })
  @Column({ type: "datetime", precision: 3, nullable: true })
  analyzedAt: Date | null;

  /** The files the customer is asked to collect next (the answer to a "collect more files" request); `AttkCollection.filesToCollect`. */
  @Column({ type: "simple-json", nullable: true })
  filesToCollect: string[] | null;

  @Field(() => String, { nullable: true, description: "What the re-analysis of the collection log found (the answer to a log re-analysis request)." })
  @Column({ type: "text", nullable: true })
  findings: string | null;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;
}
