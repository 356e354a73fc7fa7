import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.js";

/**
 * The browser test prefers Debian's chromium, so on a machine that has it (CI) the npm-shipped one
 * would never run: this launches the npm one on every run, so that the fallback a machine with only
 * Node depends on cannot rot unnoticed (say, after a playwright-core upgrade).
 */
describe("the chromium shipped inside an npm package", () => {
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.setHeader("content-type", "text/html; charset=utf-8");
      response.end(`<!doctype html><title>probe</title><button onclick="this.textContent = 'clicked ' + (1 + 1)">click</button>`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("stands in when Debian's is absent: launches headless, runs the page's script on a click and takes a screenshot", async () => {
    const browser = await launchChromium("bundled");
    try {
      const page = await browser.newPage();
      await page.goto(`${origin}/`);
      await page.locator("button").click();
      expect(await page.locator("button").innerText()).toBe("clicked 2");
      const png = await page.screenshot();
      expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    } finally {
      await browser.close();
    }
  });
});
