import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { printApiSchema } from "../../gateway/subscriptions/subscription-schema.js";
import { composeSupergraph } from "../../scripts/supergraph.js";

describe("committed schema", () => {
  it("composes, and schema/*.graphql match what the code prints (run `npm run schema` when this fails)", async () => {
    const { subgraphs, supergraphSdl } = await composeSupergraph();
    for (const { name, sdl } of subgraphs) {
      expect(readFileSync(`schema/${name}.graphql`, "utf8"), `schema/${name}.graphql is stale`).toBe(sdl);
    }
    expect(readFileSync("schema/supergraph.graphql", "utf8"), "schema/supergraph.graphql is stale").toBe(supergraphSdl);
    expect(readFileSync("schema/api.graphql", "utf8"), "schema/api.graphql is stale").toBe(await printApiSchema(supergraphSdl));
  });

  it("keeps the contract's operations and hides subgraph-to-subgraph fields from clients", async () => {
    const { supergraphSdl } = await composeSupergraph();
    for (const name of ["case(id: ID!)", "caseByNumber(", "cases(", "productProfiles:", "createCase(", "updateCase(", "closeCase(", "addCaseUpdate(", "setCaseSubStatus("]) {
      expect(supergraphSdl).toContain(name);
    }
    const caseAccessLine = supergraphSdl.split("\n").find((line) => line.includes("caseAccess("));
    expect(caseAccessLine).toContain("@inaccessible");
  });
});
