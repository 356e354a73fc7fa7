import { Field, ObjectType } from "type-graphql";
import { AttkCollectionEntity } from "../attk-collection/attk-collection.entity.js";
import { EmailAnalysisEntity } from "../email-analysis/email-analysis.entity.js";
import { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import { UrlAnalysisEntity } from "../url-analysis/url-analysis.entity.js";

/** The portal's "threat analysis results" tab. */
@ObjectType()
export class ThreatAnalysis {
  @Field(() => [FileAnalysisEntity]) files: FileAnalysisEntity[];
  @Field(() => [UrlAnalysisEntity]) urls: UrlAnalysisEntity[];
  @Field(() => [EmailAnalysisEntity]) emails: EmailAnalysisEntity[];
  @Field(() => [AttkCollectionEntity]) attk: AttkCollectionEntity[];
}

@ObjectType()
export class ThreatAnalysisPayload {
  @Field(() => ThreatAnalysis) threatAnalysis: ThreatAnalysis;
}
