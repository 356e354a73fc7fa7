import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

/**
 * A small tree laid out like the repository, where each file imports what its name says: one import
 * that each rule forbids, and imports the rules allow. `npm run lint:architecture` runs on it exactly
 * as on the repository (same package.json script, same .dependency-cruiser.cjs, same node_modules).
 */
const FIXTURE: Record<string, string[]> = {
  "subgraphs/kit/errors.ts": [],
  "subgraphs/kit/principal.ts": [],
  "subgraphs/kit/federated-schema.ts": [],
  "subgraphs/kit/logger.ts": ["./federated-schema.js", "./errors.js"],
  "subgraphs/kit/subgraph-server.ts": ["../cases/case.entity.js", "../../gateway/health.js", "./errors.js"],
  "subgraphs/kit/loop-a.ts": ["type ./loop-b.js"],
  "subgraphs/kit/loop-b.ts": ["type ./loop-a.js"],
  "subgraphs/kit/read-scope.test.ts": ["../cases/case.entity.js", "vitest"],
  "subgraphs/cases/case.entity.ts": [],
  "subgraphs/cases/case.service.ts": ["../attachments/attachment.service.js", "../../scripts/seed-data.js", "vitest", "./case.entity.js"],
  "subgraphs/cases/cases-subgraph.ts": ["../kit/errors.js", "../kit/federated-schema.js", "./case.service.js", "dataloader"],
  "subgraphs/attachments/attachment.service.ts": [],
  "subgraphs/attachments/upload.service.ts": ["./attachments.context.js", "./attachment.service.js"],
  "subgraphs/attachments/attachments.context.ts": ["./attachment.service.js"],
  "subgraphs/threat-analysis/threats-subgraph.ts": ["../../gateway/health.js"],
  "gateway/health.ts": [],
  "gateway/gateway.ts": ["../subgraphs/kit/principal.js", "../subgraphs/kit/federated-schema.js", "../test/support/fixtures.js", "./missing.js", "./health.js"],
  "gateway/supergraph.ts": ["../subgraphs/cases/case.entity.js"],
  "scripts/seed-data.ts": [],
  "scripts/seed.ts": ["../gateway/gateway.js", "../subgraphs/cases/case.service.js", "../subgraphs/kit/subgraph-server.js", "./seed-data.js"],
  "test/support/fixtures.ts": [],
  "test/support/graph.ts": ["../../gateway/gateway.js", "../../subgraphs/attachments/attachment.service.js", "vitest", "./fixtures.js"],
  "examples/partner-integration.ts": [],
  "types/ambient.d.ts": [],
};

/** Writes FIXTURE (`type <path>` is a type-only import), with the repository's package.json, rules and node_modules. */
function writeFixture(dir: string): void {
  for (const [file, imports] of Object.entries(FIXTURE)) {
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    const lines = imports.map((spec) => (spec.startsWith("type ") ? `import type * as peer from "${spec.slice(5)}";` : `import "${spec}";`));
    writeFileSync(join(dir, file), `${lines.join("\n")}\nexport {};\n`);
  }
  copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
  copyFileSync(join(ROOT, ".dependency-cruiser.cjs"), join(dir, ".dependency-cruiser.cjs"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
}

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** `error <rule>: <from> → <to>` (a cycle continues over more lines: its first step is enough). */
function violationsIn(output: string): Violation[] {
  return [...output.matchAll(/^\s*error ([\w-]+): (\S+) →\s*(\S+)/gm)].map(([, rule, from, to]) => ({ rule: rule!, from: from!, to: to!.replace(/^.*node_modules\//, "node_modules/") }));
}

describe("the architecture rules (npm run lint:architecture, part of npm run check and npm test)", () => {
  const dir = mkdtempSync(join(tmpdir(), "casegraph-architecture-"));
  let exitCode = 0;
  let output = "";
  let violations: Violation[] = [];
  const flagged = (rule: string, from: string, to: string) => violations.some((v) => v.rule === rule && v.from === from && (v.to === to || v.to.startsWith(`${to}/`)));

  beforeAll(async () => {
    writeFixture(dir);
    const result = await run("npm", ["run", "-s", "lint:architecture"], { cwd: dir }).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
    );
    exitCode = result.code;
    output = result.output;
    violations = violationsIn(output);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("are run by npm run check and npm test, before the test suite", () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    for (const name of ["check", "test"]) expect(scripts[name]).toMatch(/npm run -s lint:architecture && .*vitest run/);
  });

  it("fail the command when any import breaks one, and say which and why", () => {
    expect(exitCode).not.toBe(0);
    expect(output).toContain("14 dependency violations");
    expect(output).toContain("error subgraph-imports-other-subgraph: subgraphs/cases/case.service.ts → subgraphs/attachments/attachment.service.ts");
    expect(output).toContain("never through its code");
  });

  it("forbid import cycles, type-only imports included", () => {
    expect(flagged("no-cycles", "subgraphs/kit/loop-a.ts", "subgraphs/kit/loop-b.ts") || flagged("no-cycles", "subgraphs/kit/loop-b.ts", "subgraphs/kit/loop-a.ts")).toBe(true);
  });

  it("forbid a subgraph importing another subgraph", () => {
    expect(flagged("subgraph-imports-other-subgraph", "subgraphs/cases/case.service.ts", "subgraphs/attachments/attachment.service.ts")).toBe(true);
  });

  it("forbid a subgraph importing the gateway", () => {
    expect(flagged("subgraph-imports-gateway", "subgraphs/threat-analysis/threats-subgraph.ts", "gateway/health.ts")).toBe(true);
  });

  it("forbid the gateway importing a subgraph's own code", () => {
    expect(flagged("gateway-imports-subgraph", "gateway/supergraph.ts", "subgraphs/cases/case.entity.ts")).toBe(true);
  });

  it("let the gateway use only the shared surface of subgraphs/kit, and that surface only itself", () => {
    expect(flagged("gateway-beyond-shared-kit", "gateway/gateway.ts", "subgraphs/kit/federated-schema.ts")).toBe(true);
    expect(flagged("shared-kit-beyond-shared-kit", "subgraphs/kit/logger.ts", "subgraphs/kit/federated-schema.ts")).toBe(true);
  });

  it("forbid subgraphs/kit importing a subgraph or the gateway", () => {
    expect(flagged("kit-imports-service", "subgraphs/kit/subgraph-server.ts", "subgraphs/cases/case.entity.ts")).toBe(true);
    expect(flagged("kit-imports-service", "subgraphs/kit/subgraph-server.ts", "gateway/health.ts")).toBe(true);
  });

  it("forbid a service importing its subgraph's request context or bag of services", () => {
    expect(flagged("service-imports-context", "subgraphs/attachments/upload.service.ts", "subgraphs/attachments/attachments.context.ts")).toBe(true);
  });

  it("forbid production code importing tests, scripts or devDependencies", () => {
    expect(flagged("production-imports-tests-or-scripts", "gateway/gateway.ts", "test/support/fixtures.ts")).toBe(true);
    expect(flagged("production-imports-tests-or-scripts", "subgraphs/cases/case.service.ts", "scripts/seed-data.ts")).toBe(true);
    expect(flagged("production-imports-dev-dependency", "subgraphs/cases/case.service.ts", "node_modules/vitest")).toBe(true);
  });

  it("forbid imports that resolve to nothing", () => {
    expect(flagged("unresolvable", "gateway/gateway.ts", "./missing.js")).toBe(true);
  });

  it("allow the rest: a subgraph's own folder and kit, the gateway's shared kit, dependencies, and anything from tests and scripts", () => {
    expect(violations).toHaveLength(14);
    for (const from of ["scripts/seed.ts", "test/support/graph.ts", "subgraphs/kit/read-scope.test.ts", "subgraphs/cases/cases-subgraph.ts"]) {
      expect(violations.filter((v) => v.from === from)).toEqual([]);
    }
    expect(violations.filter((v) => v.to === "subgraphs/kit/principal.ts" || v.to === "subgraphs/kit/errors.ts")).toEqual([]);
  });
});
