import { Field, ID, InputType } from "type-graphql";
import { AttkAction } from "../threat.enums.js";

@InputType()
export class RequestAttkActionInput {
  @Field(() => ID) attkCollectionId: string;
  @Field(() => AttkAction) action: AttkAction;
  @Field(() => String, { nullable: true, description: "Required for REQUEST_LOG_REANALYSIS: why." }) comment?: string | null;
}

@InputType()
export class RecordAttkFileInput {
  @Field(() => ID) caseId: string;
  @Field(() => String) fileName: string;
  @Field(() => Boolean) collected: boolean;
}
