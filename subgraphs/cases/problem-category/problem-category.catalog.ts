import type { Locale } from "../../kit/locale.js";
import { InquiryType, ThreatCategory } from "../case/case.enums.js";
import { CASE_WORDS } from "../vocabulary/case-words.js";

/** A problem category (問題区分) a case is registered with: a stable id, the inquiry type it belongs to, its words. */
export interface ProblemCategoryDefinition {
  /** Stable, unique across inquiry types (clients cache by it); what `Case.problemCategory` holds. */
  id: string;
  inquiryType: InquiryType;
  /** On threat cases the category and the threat category are one fact: the id is the ThreatCategory value. */
  threatCategory: ThreatCategory | null;
  label: Record<Locale, string>;
}

/** The categories of product cases. The page names none, so these are the portal's usual ones. */
const PRODUCT_CATEGORIES: Omit<ProblemCategoryDefinition, "inquiryType" | "threatCategory">[] = [
  { id: "INSTALLATION", label: { ja: "インストール・アップグレード", en: "Installation or upgrade" } },
  { id: "CONFIGURATION", label: { ja: "設定・操作方法", en: "Configuration or how-to" } },
  { id: "MALFUNCTION", label: { ja: "不具合・エラー", en: "Malfunction or error" } },
  { id: "PERFORMANCE", label: { ja: "パフォーマンス", en: "Performance" } },
  { id: "UPDATE", label: { ja: "アップデート・パターンファイル", en: "Updates and pattern files" } },
  { id: "LICENSE", label: { ja: "ライセンス・契約", en: "License or contract" } },
  { id: "PRODUCT_OTHER", label: { ja: "その他", en: "Other" } },
];

/** Where a product case whose stored category is not in the list goes (see the problemCategories migration). */
export const PRODUCT_FALLBACK_CATEGORY = "PRODUCT_OTHER";

/**
 * Every problem category, product ones first, each inquiry type in its display order. The threat
 * categories are the ThreatCategory values with the words of the vocabulary (one source).
 */
export const PROBLEM_CATEGORIES: readonly ProblemCategoryDefinition[] = [
  ...PRODUCT_CATEGORIES.map((c) => ({ ...c, inquiryType: InquiryType.PRODUCT, threatCategory: null })),
  ...Object.values(ThreatCategory).map((threatCategory) => ({
    id: threatCategory,
    inquiryType: InquiryType.THREAT,
    threatCategory,
    label: { ja: CASE_WORDS.ja.threatCategory[threatCategory], en: CASE_WORDS.en.threatCategory[threatCategory] },
  })),
];

export function problemCategoriesOf(inquiryType: InquiryType | null | undefined): ProblemCategoryDefinition[] {
  return PROBLEM_CATEGORIES.filter((c) => !inquiryType || c.inquiryType === inquiryType);
}

export function findProblemCategory(id: string): ProblemCategoryDefinition | undefined {
  return PROBLEM_CATEGORIES.find((c) => c.id === id);
}
