import { Directive, Field, ObjectType } from "type-graphql";
import { enumTermType, type Locale } from "../../kit/locale.js";
import { AnalysisRequestState, AttkAction, EmailVerdict, FileAction, FileVerdict, UrlRating } from "../threat.enums.js";

/** The cases subgraph's Vocabulary, as far as this subgraph knows it: the key, to which it adds the words of its enums. */
@ObjectType("Vocabulary")
@Directive('@key(fields: "locale")')
export class VocabularyRef {
  @Field(() => String) locale: Locale;
}

export const FileVerdictTerm = enumTermType<FileVerdict>("FileVerdictTerm", FileVerdict, "file verdict (結果)");
export const UrlRatingTerm = enumTermType<UrlRating>("UrlRatingTerm", UrlRating, "URL rating (評価)");
export const EmailVerdictTerm = enumTermType<EmailVerdict>("EmailVerdictTerm", EmailVerdict, "e-mail verdict (解析結果)");
export const FileActionTerm = enumTermType<FileAction>("FileActionTerm", FileAction, "request on a file result");
export const AttkActionTerm = enumTermType<AttkAction>("AttkActionTerm", AttkAction, "request on an ATTK collection");
export const AnalysisRequestStateTerm = enumTermType<AnalysisRequestState>("AnalysisRequestStateTerm", AnalysisRequestState, "state of a request on a result");
