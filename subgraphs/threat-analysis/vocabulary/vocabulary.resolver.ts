import { FieldResolver, Resolver, Root } from "type-graphql";
import { type EnumTerm, enumTerms } from "../../kit/locale.js";
import { AnalysisRequestState, AttkAction, EmailVerdict, FileAction, FileVerdict, UrlRating } from "../threat.enums.js";
import { THREAT_WORDS } from "./threat-words.js";
import { AnalysisRequestStateTerm, AttkActionTerm, EmailVerdictTerm, FileActionTerm, FileVerdictTerm, UrlRatingTerm, VocabularyRef } from "./vocabulary.js";

/** The threat enums' words on the graph's Vocabulary (reached through `vocabulary(locale)` of the cases subgraph). */
@Resolver(() => VocabularyRef)
export class ThreatVocabularyResolver {
  @FieldResolver(() => [FileVerdictTerm])
  fileVerdicts(@Root() v: VocabularyRef): EnumTerm<FileVerdict>[] {
    return enumTerms(FileVerdict, THREAT_WORDS[v.locale].fileVerdict);
  }

  @FieldResolver(() => [UrlRatingTerm])
  urlRatings(@Root() v: VocabularyRef): EnumTerm<UrlRating>[] {
    return enumTerms(UrlRating, THREAT_WORDS[v.locale].urlRating);
  }

  @FieldResolver(() => [EmailVerdictTerm])
  emailVerdicts(@Root() v: VocabularyRef): EnumTerm<EmailVerdict>[] {
    return enumTerms(EmailVerdict, THREAT_WORDS[v.locale].emailVerdict);
  }

  @FieldResolver(() => [FileActionTerm], { description: "The buttons of a file result, with what each asks for." })
  fileActions(@Root() v: VocabularyRef): EnumTerm<FileAction>[] {
    return enumTerms(FileAction, THREAT_WORDS[v.locale].fileAction);
  }

  @FieldResolver(() => [AttkActionTerm], { description: "The buttons of an ATTK collection, with what each asks for." })
  attkActions(@Root() v: VocabularyRef): EnumTerm<AttkAction>[] {
    return enumTerms(AttkAction, THREAT_WORDS[v.locale].attkAction);
  }

  @FieldResolver(() => [AnalysisRequestStateTerm])
  analysisRequestStates(@Root() v: VocabularyRef): EnumTerm<AnalysisRequestState>[] {
    return enumTerms(AnalysisRequestState, THREAT_WORDS[v.locale].analysisRequestState);
  }
}
