import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { DateTime } from "../../kit/scalars.js";
import { CaseEntity } from "../case/case.entity.js";
import type { CasesContext } from "../cases.context.js";

/** `Case.dueAt` and `Case.overdue`: when support's next response is due (docs/domain.md, "Response targets"). */
@Resolver(() => CaseEntity)
export class CaseResponseTargetResolver {
  @FieldResolver(() => DateTime, { nullable: true, description: "When support's next response is due: set while the case is OPEN in RECEIVED or CUSTOMER_UPDATED, by its current severity." })
  dueAt(@Root() c: CaseEntity, @Ctx() ctx: CasesContext): Date | null {
    return ctx.services.responseTargets.dueAt(c);
  }

  @FieldResolver(() => Boolean, { description: "True when the case waits for support past its dueAt." })
  overdue(@Root() c: CaseEntity, @Ctx() ctx: CasesContext): boolean {
    return ctx.services.responseTargets.overdue(c);
  }
}
