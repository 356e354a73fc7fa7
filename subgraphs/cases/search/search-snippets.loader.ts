import { type DataSource, In } from "typeorm";
import { CaseUpdateEntity } from "../case-update/case-update.entity.js";
import type { CaseEntity } from "../case/case.entity.js";
import { CaseSearchDocument } from "./case-search-document.entity.js";
import type { SearchQuery } from "./search-query.js";
import { bestSnippet, matchRanges, SnippetField, type SnippetSource, type SnippetValue } from "./search-snippet.js";

/**
 * The snippets of one page of search results, made on the first `snippet` a client reads and shared
 * by the page's edges: two statements for the page at most (updates of the cases whose title and
 * description do not hold the words, then file names and analysis terms of those still without one).
 * Snippets are cut by the application from the stored text, the same way on every engine.
 */
export function pageSnippets(dataSource: DataSource, cases: readonly CaseEntity[], query: SearchQuery): (caseId: string) => Promise<SnippetValue | null> {
  let all: Promise<Map<string, SnippetValue | null>> | null = null;
  return async (caseId) => {
    all ??= computeSnippets(dataSource, cases, query);
    return (await all).get(caseId) ?? null;
  };
}

async function computeSnippets(dataSource: DataSource, cases: readonly CaseEntity[], query: SearchQuery): Promise<Map<string, SnippetValue | null>> {
  const snippets = new Map<string, SnippetValue | null>();
  const sources = new Map<string, SnippetSource[]>();
  for (const c of cases) {
    sources.set(c.id, [
      { field: SnippetField.TITLE, text: c.title },
      { field: SnippetField.DESCRIPTION, text: c.description },
    ]);
  }
  // Cases whose title or description holds every term need nothing else.
  const complete = (id: string) => (sources.get(id) ?? []).some((s) => matchRanges(s.text, query.terms).distinct >= query.terms.length);
  const needUpdates = cases.filter((c) => !complete(c.id)).map((c) => c.id);
  if (needUpdates.length > 0) {
    const updates = await dataSource
      .getRepository(CaseUpdateEntity)
      .find({ select: { id: true, caseId: true, body: true, createdAt: true }, where: { caseId: In(needUpdates) }, order: { createdAt: "DESC", id: "DESC" } });
    for (const u of updates) sources.get(u.caseId)?.push({ field: SnippetField.UPDATE, updateId: u.id, text: u.body });
  }
  for (const c of cases) snippets.set(c.id, bestSnippet(sources.get(c.id) ?? [], query.terms));
  const withoutText = cases.filter((c) => snippets.get(c.id) === null).map((c) => c.id);
  if (withoutText.length > 0) {
    const docs = await dataSource.getRepository(CaseSearchDocument).find({ select: { caseId: true, fileNames: true, analysisTerms: true }, where: { caseId: In(withoutText) } });
    for (const doc of docs) {
      const extra: SnippetSource[] = [
        ...doc.fileNames.split("\n").map((text) => ({ field: SnippetField.FILE_NAME, text })),
        ...doc.analysisTerms.split("\n").map((text) => ({ field: SnippetField.ANALYSIS_RESULT, text })),
      ];
      snippets.set(doc.caseId, bestSnippet(extra, query.terms));
    }
  }
  return snippets;
}
