import { Arg, FieldResolver, Query, Resolver, Root } from "type-graphql";
import { ActorRole } from "../../kit/actor.js";
import { type EnumTerm, enumTerms, requireLocale } from "../../kit/locale.js";
import { CaseField, CaseStatus, CaseSubStatus, InquiryType, OPEN_SUB_STATUSES, Severity, ThreatCategory } from "../case/case.enums.js";
import { CASE_WORDS } from "./case-words.js";
import { ActorRoleTerm, CaseFieldTerm, CaseStatusTerm, CaseSubStatusTerm, InquiryTypeTerm, SeverityGuide, SeverityTerm, ThreatCategoryTerm, Vocabulary } from "./vocabulary.types.js";

/** The severity levels with the guide's points, most severe first. */
export function severityTerms(vocabulary: Vocabulary): SeverityTerm[] {
  return Object.values(Severity).map((value) => ({ value, ...CASE_WORDS[vocabulary.locale].severity[value] }));
}

@Resolver(() => Vocabulary)
export class VocabularyResolver {
  @Query(() => Vocabulary, { description: "The words of every enum in one locale, ja or en (BAD_USER_INPUT otherwise): what web, mobile and e-mail say." })
  vocabulary(@Arg("locale", () => String) locale: string): Vocabulary {
    return { locale: requireLocale(locale) };
  }

  @FieldResolver(() => [CaseStatusTerm])
  caseStatuses(@Root() v: Vocabulary): EnumTerm<CaseStatus>[] {
    return enumTerms(CaseStatus, CASE_WORDS[v.locale].caseStatus);
  }

  @FieldResolver(() => [CaseSubStatusTerm], { description: "The eleven sub-statuses, open ones first." })
  caseSubStatuses(@Root() v: Vocabulary): CaseSubStatusTerm[] {
    return Object.values(CaseSubStatus).map((value) => ({
      value,
      status: OPEN_SUB_STATUSES.includes(value) ? CaseStatus.OPEN : CaseStatus.CLOSED,
      ...CASE_WORDS[v.locale].subStatus[value],
    }));
  }

  @FieldResolver(() => [SeverityTerm])
  severities(@Root() v: Vocabulary): SeverityTerm[] {
    return severityTerms(v);
  }

  @FieldResolver(() => SeverityGuide, { description: "The severity guide as a case of this inquiry type calls it (深刻度 or 緊急度)." })
  severityGuide(@Root() v: Vocabulary, @Arg("inquiryType", () => InquiryType) inquiryType: InquiryType): SeverityGuide {
    return { inquiryType, ...CASE_WORDS[v.locale].severityField[inquiryType], levels: severityTerms(v) };
  }

  @FieldResolver(() => [InquiryTypeTerm])
  inquiryTypes(@Root() v: Vocabulary): EnumTerm<InquiryType>[] {
    return enumTerms(InquiryType, CASE_WORDS[v.locale].inquiryType);
  }

  @FieldResolver(() => [ThreatCategoryTerm])
  threatCategories(@Root() v: Vocabulary): EnumTerm<ThreatCategory>[] {
    return enumTerms(ThreatCategory, CASE_WORDS[v.locale].threatCategory);
  }

  @FieldResolver(() => [CaseFieldTerm])
  caseFields(@Root() v: Vocabulary): EnumTerm<CaseField>[] {
    return enumTerms(CaseField, CASE_WORDS[v.locale].caseField);
  }

  @FieldResolver(() => [ActorRoleTerm])
  actorRoles(@Root() v: Vocabulary): EnumTerm<ActorRole>[] {
    return enumTerms(ActorRole, CASE_WORDS[v.locale].actorRole);
  }
}
