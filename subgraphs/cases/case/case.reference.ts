import type { ReferenceResolvers } from "../../kit/federated-schema.js";
import type { CasesContext } from "../cases.context.js";

/** `_entities` for Case, CaseUpdate and Organization: batched, and null for what the caller may not see. */
export const caseReferenceResolvers: ReferenceResolvers = {
  Case: {
    __resolveReference: (reference: { id: string }, ctx: CasesContext) => ctx.loaders.caseById.load(reference.id),
  },
  CaseUpdate: {
    __resolveReference: async (reference: { id: string }, ctx: CasesContext) => {
      const update = await ctx.loaders.updateById.load(reference.id);
      return update && (await ctx.loaders.caseById.load(update.caseId)) ? update : null;
    },
  },
  Organization: {
    __resolveReference: (reference: { id: string }, ctx: CasesContext) => {
      const visible = ctx.principal.organizationIds;
      return visible === null || visible.includes(reference.id) ? ctx.loaders.organizationById.load(reference.id) : null;
    },
  },
};
