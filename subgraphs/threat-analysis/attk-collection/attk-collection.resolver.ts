import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { AnalysisRequestEntity } from "../analysis-request/analysis-request.entity.js";
import { availableAttkActions } from "../threat-analysis/action-matrix.js";
import { AttkAction } from "../threat.enums.js";
import type { ThreatsContext } from "../threats.context.js";
import { AttkCollectionEntity } from "./attk-collection.entity.js";

@Resolver(() => AttkCollectionEntity)
export class AttkCollectionResolver {
  @FieldResolver(() => [AttkAction])
  availableActions(@Root() attk: AttkCollectionEntity): AttkAction[] {
    return availableAttkActions(attk.collected, attk.threatCategory);
  }

  @FieldResolver(() => [AnalysisRequestEntity])
  requests(@Root() attk: AttkCollectionEntity, @Ctx() ctx: ThreatsContext): Promise<AnalysisRequestEntity[]> {
    return ctx.loaders.requestsBySubject.load(attk.id);
  }
}
