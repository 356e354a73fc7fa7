import { Directive, Field, ObjectType } from "type-graphql";
import { ActorRole } from "../../kit/actor.js";
import { enumTermType, type Locale } from "../../kit/locale.js";
import { CaseField, CaseStatus, CaseSubStatus, InquiryType, Severity, ThreatCategory } from "../case/case.enums.js";

/**
 * The words of every enum of the graph in one language, for web, mobile and e-mail alike. The cases
 * subgraph resolves it by locale and owns the case enums' words; the threat-analysis subgraph adds
 * the words of its enums to the same entity.
 */
@ObjectType("Vocabulary", { description: "The words of every enum of the graph in one locale (ja or en), as the portal says them." })
@Directive('@key(fields: "locale")')
export class Vocabulary {
  @Field(() => String, { description: "ja or en." })
  locale: Locale;
}

export const CaseStatusTerm = enumTermType<CaseStatus>("CaseStatusTerm", CaseStatus, "case status (ステータス)");
export const InquiryTypeTerm = enumTermType<InquiryType>("InquiryTypeTerm", InquiryType, "inquiry type (問い合わせ種別)");
export const ThreatCategoryTerm = enumTermType<ThreatCategory>("ThreatCategoryTerm", ThreatCategory, "threat category (the problem category of threat cases)");
export const CaseFieldTerm = enumTermType<CaseField>("CaseFieldTerm", CaseField, "field a customer may edit (the pencil icons)");
export const ActorRoleTerm = enumTermType<ActorRole>("ActorRoleTerm", ActorRole, "actor role");

@ObjectType("CaseSubStatusTerm", { description: "The words for one sub-status (サブステータス), in the vocabulary's locale." })
export class CaseSubStatusTerm {
  @Field(() => CaseSubStatus) value: CaseSubStatus;
  @Field(() => CaseStatus, { description: "The status this sub-status belongs to." }) status: CaseStatus;
  @Field(() => String) label: string;
  @Field(() => String, { description: "What the case's state is (the portal's ケースの処理状況)." }) description: string;
}

@ObjectType("SeverityTerm", { description: "One severity level, in the vocabulary's locale." })
export class SeverityTerm {
  @Field(() => Severity) value: Severity;
  @Field(() => String) label: string;
  @Field(() => [String], { description: "The guide's description of the level, point by point." }) points: readonly string[];
}

@ObjectType("SeverityGuide", { description: "The severity guide (深刻度説明, 緊急度説明 on threat cases): what a client shows next to the field." })
export class SeverityGuide {
  @Field(() => InquiryType) inquiryType: InquiryType;
  @Field(() => String, { description: "The field's name: 深刻度 on product cases, 緊急度 on threat cases." }) fieldLabel: string;
  @Field(() => String, { description: "The guide's title." }) title: string;
  @Field(() => String, { description: "What the customer may do with the field." }) description: string;
  @Field(() => String, { description: "What a CRITICAL or HIGH level needs: a description of the business impact." }) hint: string;
  @Field(() => [SeverityTerm], { description: "The four levels, most severe first." }) levels: SeverityTerm[];
}
