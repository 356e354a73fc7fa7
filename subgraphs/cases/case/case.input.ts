import { Field, ID, InputType, Int } from "type-graphql";
import { DateTime } from "../../kit/scalars.js";
import { CaseOrderField, CaseStatus, CaseSubStatus, InquiryType, OrderDirection, Severity, ThreatCategory } from "./case.enums.js";

@InputType({ description: "Names a user of the case's organization (organizationUsers lists them)." })
export class RegistrantInput {
  @Field(() => String) email: string;
}

@InputType()
export class CreateCaseInput {
  @Field(() => String) title: string;
  @Field(() => String) description: string;
  @Field(() => InquiryType) inquiryType: InquiryType;
  @Field(() => ThreatCategory, { nullable: true, description: "THREAT cases: the threat category, which is also their problemCategory (give either; both must agree)." })
  threatCategory?: ThreatCategory | null;
  @Field(() => String, {
    nullable: true,
    description: "The id of one of problemCategories(inquiryType). Required for PRODUCT cases; on THREAT cases it is the threatCategory (give either; both must agree).",
  })
  problemCategory?: string | null;
  @Field(() => ID) productProfileId: string;
  @Field(() => Severity) severity: Severity;
  @Field(() => String, { nullable: true }) businessImpact?: string | null;
  @Field(() => String) contactName: string;
  @Field(() => [String], { nullable: true }) ccEmails?: string[] | null;
  @Field(() => [ID], { nullable: true, description: "Staged uploads (see attachments), at most 3." }) attachmentIds?: string[] | null;
  @Field(() => ID, { nullable: true, description: "Required for partners and engineers acting for a customer organization." })
  organizationId?: string | null;
  @Field(() => RegistrantInput, {
    nullable: true,
    description:
      "Who registers the case (登録いただいた本人), a user of the case's organization who gets its registration, update and closing mails. Required from engineers and partner API keys; partner staff may name one (else they are the registrant); customers are always the registrant themselves.",
  })
  registrant?: RegistrantInput | null;
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
  @Field(() => String, { nullable: true, description: "The update's text. May be left out (or blank) when the update carries at least one file; with neither, BAD_USER_INPUT." })
  body?: string | null;
  @Field(() => [ID], {
    nullable: true,
    description: "The caller's staged uploads of this case (on a reopening update also those for the organization), at most MAX_FILES_PER_UPLOAD (3 by default).",
  })
  attachmentIds?: string[] | null;
  @Field(() => Boolean, {
    nullable: true,
    description: "On a CLOSED case: reopen it (OPEN / CUSTOMER_UPDATED, or IN_PROGRESS when a support engineer reopens). The update may carry files like any other.",
  })
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
  @Field(() => String, {
    nullable: true,
    description:
      'Full-text search (README, Search): words of the title, description and updates, names of attached files, detection names and URLs of analysis results, the case number. Japanese and English; every word must match; "quoted phrases"; at most 200 characters. Each result edge has a snippet; orderBy RELEVANCE ranks by it.',
  })
  search?: string | null;
  @Field(() => Boolean, { nullable: true, description: "true: only cases waiting for support past their dueAt; false: only the others." }) overdue?: boolean | null;
}

@InputType({ description: "Default: UPDATED_AT DESC." })
export class CaseOrder {
  @Field(() => CaseOrderField) field: CaseOrderField;
  @Field(() => OrderDirection) direction: OrderDirection;
}
