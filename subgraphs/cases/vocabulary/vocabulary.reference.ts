import type { ReferenceResolvers } from "../../kit/federated-schema.js";
import { isLocale } from "../../kit/locale.js";
import type { Vocabulary } from "./vocabulary.types.js";

/** `_entities` for Vocabulary: any known locale; null for another. */
export const vocabularyReferenceResolvers: ReferenceResolvers = {
  Vocabulary: {
    __resolveReference: (reference: { locale: string }): Vocabulary | null => (isLocale(reference.locale) ? { locale: reference.locale } : null),
  },
};
