import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateTime } from "../../kit/scalars.js";
import { Actor } from "../../kit/actor.js";
import { CaseStatus, CaseSubStatus, InquiryType, Severity, ThreatCategory } from "./case.enums.js";

@ObjectType("Case", { description: "A support case (inquiry) of a customer organization." })
@Directive('@key(fields: "id")')
@Entity("cases")
// Each order of the case list has its index, and one per organization: a customer's list ordered by creation or
// severity reads its organization's cases in that order, instead of everyone's until it has found a page.
@Index(["organizationId", "updatedAt", "id"])
@Index(["organizationId", "createdAt", "id"])
@Index(["organizationId", "severityRank", "id"])
@Index(["updatedAt", "id"])
@Index(["createdAt", "id"])
@Index(["severityRank", "id"])
@Index(["subStatus", "subStatusChangedAt"])
export class CaseEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 20, unique: true })
  caseNumber: string;

  @Column({ type: "varchar", length: 64 })
  organizationId: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 200 })
  title: string;

  @Field(() => String)
  @Column({ type: "text" })
  description: string;

  @Field(() => CaseStatus)
  @Column({ type: "varchar", length: 16 })
  status: CaseStatus;

  @Field(() => CaseSubStatus)
  @Column({ type: "varchar", length: 32 })
  subStatus: CaseSubStatus;

  @Field(() => Severity)
  @Column({ type: "varchar", length: 16 })
  severity: Severity;

  /** `SEVERITY_RANK` of `severity`, so that ordering by severity can use an index and a keyset. */
  @Column({ type: "int" })
  severityRank: number;

  @Field(() => InquiryType)
  @Column({ type: "varchar", length: 16 })
  inquiryType: InquiryType;

  @Field(() => ThreatCategory, { nullable: true, description: "Non-null exactly when inquiryType is THREAT." })
  @Column({ type: "varchar", length: 32, nullable: true })
  threatCategory: ThreatCategory | null;

  @Field(() => String)
  @Column({ type: "varchar", length: 200 })
  problemCategory: string;

  @Column({ type: "varchar", length: 64 })
  productProfileId: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 200 })
  contactName: string;

  @Field(() => Actor)
  @Column(() => Actor)
  registrant: Actor;

  @Field(() => [String])
  @Column({ type: "simple-json" })
  ccEmails: string[];

  @Field(() => String, { nullable: true })
  @Column({ type: "text", nullable: true })
  businessImpact: string | null;

  @Field(() => DateTime)
  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;

  @Field(() => DateTime)
  @Column({ type: "datetime", precision: 3 })
  updatedAt: Date;

  @Field(() => DateTime, { nullable: true })
  @Column({ type: "datetime", precision: 3, nullable: true })
  closedAt: Date | null;

  @Field(() => Int, { description: "Increases on every change; pass it back as expectedVersion." })
  @Column({ type: "int" })
  version: number;

  /** Last change by the customer side (customer or partner); the auto-close clock. */
  @Column({ type: "datetime", precision: 3 })
  lastCustomerActivityAt: Date;

  @Column({ type: "datetime", precision: 3 })
  subStatusChangedAt: Date;

  /** The sequence number of the case's newest feed event (case-feed/): the next one is this plus one. */
  @Column({ type: "int", default: 0 })
  lastEventSequence: number;
}

/** Allocates case numbers: one row per number, so concurrent creates never collide and numbers are never reused. */
@Entity("case_number_sequence")
export class CaseNumberAllocation {
  @PrimaryColumn({ type: "int", generated: "increment" })
  id: number;

  @Column({ type: "datetime", precision: 3 })
  allocatedAt: Date;
}
