import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Actor } from "../../kit/actor.js";
import { CaseFeedEventType } from "../../kit/case-feed-protocol.js";
import { DateTime } from "../../kit/scalars.js";

registerEnumType(CaseFeedEventType, { name: "CaseFeedEventType", description: "What happened to a case (one event of the case feed)." });

@ObjectType("CaseFieldChange", { description: "One changed field of a case, as its history shows it (lists comma-separated)." })
export class CaseFieldChange {
  @Field(() => String) field: string;
  @Field(() => String, { nullable: true }) oldValue: string | null;
  @Field(() => String, { nullable: true }) newValue: string | null;
}

@ObjectType("CaseFeedEvent", {
  description: "One committed change to a case, from any part of the graph. Subscriptions deliver these; `id` orders them (resume with `after: id`).",
})
export class CaseFeedEventObject {
  @Field(() => ID, { description: "Increases in commit order, across the feed and within a case." })
  id: string;

  @Field(() => Int, { description: "1, 2, 3... within the case, without gaps." })
  sequence: number;

  @Field(() => CaseFeedEventType)
  type: CaseFeedEventType;

  @Field(() => ID)
  caseId: string;

  @Field(() => ID)
  organizationId: string;

  @Field(() => Actor)
  actor: Actor;

  @Field(() => DateTime)
  at: Date;

  @Field(() => [CaseFieldChange])
  changes: CaseFieldChange[];

  @Field(() => ID, { nullable: true, description: "The case update the event is about (UPDATE_ADDED, CASE_REOPENED, FILES_ATTACHED with an update)." })
  updateId: string | null;
}

@ObjectType("CaseFeedSlice")
@Directive("@inaccessible")
export class CaseFeedSlice {
  @Field(() => ID, { description: "The newest event id in the feed, whatever the filters ('0' when empty)." })
  head: string;

  @Field(() => ID, { nullable: true, description: "The oldest event id still kept; null when the feed is empty." })
  oldest: string | null;

  @Field(() => [CaseFeedEventObject])
  events: CaseFeedEventObject[];
}
