import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { CaseResolver } from "../../subgraphs/cases/case/case.resolver.js";

/**
 * Tests run the TypeScript sources through Vite's transform, not through tsc. type-graphql and TypeORM
 * read the `design:*` metadata that tsc emits for decorated members; a transform that drops it (esbuild
 * does) leaves resolvers without parameter types and columns with guessed types, so the suite would no
 * longer test what production runs.
 */
describe("the test transform", () => {
  it("emits decorator metadata like tsc: design:type on entity columns, design:paramtypes on resolver methods", () => {
    expect(Reflect.getMetadata("design:type", CaseEntity.prototype, "caseNumber")).toBe(String);
    expect(Reflect.getMetadata("design:type", CaseEntity.prototype, "severityRank")).toBe(Number);
    const paramTypes: unknown[] | undefined = Reflect.getMetadata("design:paramtypes", CaseResolver.prototype, "case");
    expect(paramTypes?.[0]).toBe(String);
    expect(paramTypes).toHaveLength(2);
  });
});
