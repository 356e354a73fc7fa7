import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
/** What is not the repository's own text: dependencies, build output, runtime data, reports (.gitignore). */
const SKIPPED = new Set([".git", "node_modules", "dist", "data", "coverage", "test-results"]);

/** Every text file of the repository, as [path relative to the root, content]. */
function repositoryFiles(dir = REPO): [string, string][] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry): [string, string][] => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : repositoryFiles(path);
    const text = readFileSync(path, "utf8");
    return text.includes("\0") ? [] : [[relative(REPO, path), text]];
  });
}

/** Lines of `text` that match `pattern`, as "path:line: text". */
function mentions(files: [string, string][], pattern: RegExp): string[] {
  return files.flatMap(([path, text]) => text.split("\n").flatMap((line, i) => (pattern.test(line) ? [`${path}:${i + 1}: ${line.trim().slice(0, 160)}`] : [])));
}

// Spelled in pieces so that this file does not match itself.
const OUTSIDE_NAMES = [["..", "shared"].join("/"), ...["DOMAIN", "DESIGN", "STYLE", "TOOLCHAIN"].map((name) => `${name}.md`), ["CONTRACT", "graphql"].join(".")];
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe("references in code, docs and config", () => {
  const files = repositoryFiles();

  it("point inside the repository: no file names the notes folder beside it or the documents kept there", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(mentions(files, new RegExp(OUTSIDE_NAMES.map(escape).join("|")))).toEqual([]);
  });

  it("say what they mean instead of citing a numbered issue the repository does not hold", () => {
    expect(mentions(files, /\bissues? #?\d+/i)).toEqual([]);
  });

  it("name only docs/*.md files that exist", () => {
    const named = new Set(files.flatMap(([, text]) => [...text.matchAll(/\bdocs\/[\w.-]+\.md\b/g)].map((match) => match[0])));
    expect(named.size).toBeGreaterThan(0);
    expect([...named].filter((path) => !existsSync(join(REPO, path)))).toEqual([]);
  });
});
