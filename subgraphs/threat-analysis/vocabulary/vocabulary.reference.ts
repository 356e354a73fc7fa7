import type { ReferenceResolvers } from "../../kit/federated-schema.js";
import { isLocale } from "../../kit/locale.js";
import type { VocabularyRef } from "./vocabulary.js";

/** `_entities` for Vocabulary: the threat enums' words of a known locale. */
export const threatVocabularyReferenceResolvers: ReferenceResolvers = {
  Vocabulary: {
    __resolveReference: (reference: { locale: string }): VocabularyRef | null => (isLocale(reference.locale) ? { locale: reference.locale } : null),
  },
};
