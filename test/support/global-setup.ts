import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

/** Folders of runs that ended without their teardown (killed) are removed by a later run after this long. */
const STALE_MS = 6 * 60 * 60 * 1000;

/**
 * Once per test run (vitest `globalSetup`): a folder under test-results/ for the tsc builds that tests
 * run as real processes (test/support/service-build.ts), removed when the run ends. Workers cannot clean
 * up after themselves: vitest ends them without an exit event.
 */
export default function setup(project: TestProject): () => void {
  const results = join(project.config.root, "test-results");
  mkdirSync(results, { recursive: true });
  for (const name of readdirSync(results)) {
    const path = join(results, name);
    if (name.startsWith("service-builds-") && Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
  }
  const root = mkdtempSync(join(results, "service-builds-"));
  project.provide("serviceBuildRoot", root);
  return () => rmSync(root, { recursive: true, force: true });
}
