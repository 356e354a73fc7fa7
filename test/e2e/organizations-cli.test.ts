import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDevToken } from "../../gateway/auth/bearer-token.js";
import { runOrganizationsCommand } from "../../subgraphs/cases/organization/organization.cli.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";

describe.each(DATABASES)("organizations and product profiles from the command line, on %s", (database) => {
  let graph: TestGraph;
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runOrganizationsCommand(
      argv,
      graph.cases.dataSource,
      (l) => out.push(l),
      (l) => err.push(l),
    );
    return { code, out, err };
  };

  beforeAll(async () => {
    graph = await startGraph({ database });
  });
  afterAll(() => graph?.stop());

  it("adds an organization and a product profile that its customers can register cases with", async () => {
    expect((await run("add", "umbrella", "--name", "Umbrella Corp", "--locale", "en")).code).toBe(0);
    expect((await run("profile", "umbrella-lab", "--org", "umbrella", "--name", "Lab endpoints", "--product", "Endpoint Security", "--version", "14.0")).code).toBe(0);
    expect((await run("list")).out).toContainEqual("umbrella\tUmbrella Corp\ten\tumbrella-lab (Endpoint Security 14.0)");

    const token = await signDevToken({ sub: "u-umbrella", name: "Alice", email: "alice@umbrella.example", role: "customer", org: "umbrella" }, TEST_JWT_SECRET);
    const profiles = await graph.request({ query: "{ productProfiles { id } }", token });
    expect(profiles.data!.productProfiles).toEqual([{ id: "umbrella-lab" }]);
    const created = await graph.request({ query: CREATE_CASE, variables: { input: { ...productCase, productProfileId: "umbrella-lab" } }, token });
    expect(created.errors).toBeUndefined();
  });

  it("refuses bad ids, missing names, unknown organizations and locales, writing nothing", async () => {
    expect((await run("add", "Not An Id", "--name", "x")).code).toBe(2);
    expect((await run("add", "initrode")).code).toBe(2);
    expect((await run("add", "initrode", "--name", "Initrode", "--locale", "fr")).code).toBe(2);
    expect((await run("profile", "ghost-profile", "--org", "nobody", "--name", "x", "--product", "y")).code).toBe(2);
    const listed = (await run("list")).out.join("\n");
    expect(listed).not.toContain("initrode");
    expect(listed).not.toContain("ghost-profile");
  });
});
