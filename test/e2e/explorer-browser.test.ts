import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeysOf } from "../support/api-keys.js";
import { launchChromium } from "../support/chromium.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";

const SCREENSHOT = "test-results/explorer-list-my-cases.png";

/** The IDE is not a data feature: one database is enough (its API calls are covered on both elsewhere). */
describe("the GraphQL explorer in a real browser", () => {
  let graph: TestGraph;
  let browser: Browser;

  beforeAll(async () => {
    // Debian's chromium when installed, else the one inside an npm package: never skipped, never downloaded.
    [graph, browser] = await Promise.all([startGraph({ database: "sqlite" }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await graph?.stop();
  });

  it("runs the saved 'list my cases' tab with the partner key typed into the headers editor, with no network but the gateway", async () => {
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: await graph.tokenFor("customer@acme.example") });
    expect(created.errors).toBeUndefined();
    const caseNumber: string = created.data!.createCase.case.caseNumber;
    // initech manages acme: its key sees acme's case.
    const { key } = await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read"], label: "explorer test" });

    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const requested: string[] = [];
    const blocked: string[] = [];
    // The air gap: anything not on this machine is aborted (and recorded).
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (["127.0.0.1", "localhost"].includes(url.hostname)) return route.continue();
      blocked.push(url.href);
      return route.abort("internetdisconnected");
    });
    context.on("request", (request) => requested.push(request.url()));
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });

    try {
      await page.goto(`${graph.origin}/`);
      await page.locator(".graphiql-container").waitFor();
      // The saved operations are the tabs; the first one is open.
      await expect.poll(() => page.locator(".graphiql-tab").count()).toBe(4);
      expect(await page.locator(".graphiql-tab").allInnerTexts()).toEqual(["ListMyCases", "CaseWithEverything", "AddCaseUpdate", "CloseCase"]);

      const headersEditor = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden)");
      await headersEditor.click();
      await page.keyboard.press("Control+A");
      await page.keyboard.insertText(JSON.stringify({ "X-API-Key": key }, null, 2));

      await page.locator(".graphiql-execute-button").click();
      const result = page.locator(".graphiql-response .result-window");
      await expect.poll(() => result.innerText(), { timeout: 10_000 }).toContain(caseNumber);
      expect(await result.innerText()).toContain('"totalCount": 1');
      // The credential also fetched the schema: the documentation explorer lists the root types.
      await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
      await expect.poll(() => page.locator(".graphiql-doc-explorer").innerText()).toContain("Query");

      mkdirSync("test-results", { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await context.close();
    }

    expect(blocked).toEqual([]);
    expect(requested.filter((url) => new URL(url).origin !== graph.origin)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
