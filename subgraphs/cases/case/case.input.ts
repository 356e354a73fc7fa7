import { Field, ID, InputType, Int } from "type-graphql";
import { DateTime } from "../../kit/scalars.js";
import { CaseOrderField, CaseStatus, CaseSubStatus, InquiryType, OrderDirection, Severity, ThreatCategory } from "./case.enums.js";

@InputType()
export class CreateCaseInput {
  @Field(() => String) title: string;
  @Field(() => String) description: string;
  @Field(() => InquiryType) inquiryType: InquiryType;
  @Field(() => ThreatCategory, { nullable: true }) threatCategory?: ThreatCategory | null;
  @Field(() => String) problemCategory: string;
  @Field(() => ID) productProfileId: string;
  @Field(() => Severity) severity: Severity;
  @Field(() => String, { nullable: true }) businessImpact?: string | null;
  @Field(() => String) contactName: string;
  @Field(() => [String], { nullable: true }) ccEmails?: string[] | null;
  @Field(() => [ID], { nullable: true, description: "Staged uploads (see attachments), at most 3." }) attachmentIds?: string[] | null;
  @Field(() => ID, { nullable: true, description: "Required for partners and engineers acting for a customer organization." })
  organizationId?: string | null;
}

@InputType()
export class UpdateCaseInput {
  @Field(() => ID) caseId: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
  @Field(() => Severity, { nullable: true }) severity?: Severity | null;
  @Field(() => String, { nullable: true }) businessImpact?: string | null;
  @Field(() => [String], { nullable: true, description: "Replaces the list." }) ccEmails?: string[] | null;
  @Field(() => CaseStatus, { nullable: true, description: "Only CLOSED is accepted; OPEN fails with REOPEN_VIA_UPDATE." })
  status?: CaseStatus | null;
}

@InputType()
export class CloseCaseInput {
  @Field(() => ID) caseId: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
}

@InputType()
export class AddCaseUpdateInput {
  @Field(() => ID) caseId: string;
  @Field(() => String) body: string;
  @Field(() => [ID], { nullable: true, description: "Staged uploads of this case, at most 3." }) attachmentIds?: string[] | null;
  @Field(() => Boolean, { nullable: true, description: "On a CLOSED case: reopen it (OPEN / CUSTOMER_UPDATED)." })
  requestReopen?: boolean | null;
}

@InputType({ description: "Engineers only." })
export class SetCaseSubStatusInput {
  @Field(() => ID) caseId: string;
  @Field(() => CaseSubStatus) subStatus: CaseSubStatus;
  @Field(() => String, { nullable: true }) comment?: string | null;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
}

@InputType()
export class CaseFilter {
  @Field(() => CaseStatus, { nullable: true }) status?: CaseStatus | null;
  @Field(() => [CaseSubStatus], { nullable: true }) subStatus?: CaseSubStatus[] | null;
  @Field(() => [Severity], { nullable: true }) severity?: Severity[] | null;
  @Field(() => InquiryType, { nullable: true }) inquiryType?: InquiryType | null;
  @Field(() => ID, { nullable: true, description: "Partners and engineers narrow to one customer organization." })
  organizationId?: string | null;
  @Field(() => DateTime, { nullable: true }) updatedSince?: Date | null;
  @Field(() => String, { nullable: true, description: "Case number or words of the title." }) search?: string | null;
}

@InputType({ description: "Default: UPDATED_AT DESC." })
export class CaseOrder {
  @Field(() => CaseOrderField) field: CaseOrderField;
  @Field(() => OrderDirection) direction: OrderDirection;
}
