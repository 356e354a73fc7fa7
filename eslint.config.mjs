// ESLint over every TypeScript file of the repository (application, scripts, examples, tests, config) with
// typescript-eslint's type-checked rules. `npm run lint` runs it with --max-warnings 0, then `prettier --check`.
import Module from "node:module";
import { defineConfig } from "eslint/config";

// typescript-eslint needs TypeScript's JavaScript API, which TypeScript 7 (the native `tsc` that builds and
// type-checks this project) does not ship. The `typescript-6` dev dependency (npm:typescript@6) provides it:
// inside this ESLint process, and only here, `typescript` means TypeScript 6.
// Drop this block and the alias once typescript-eslint reads TypeScript 7.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const typescript6 = request === "typescript" || request.startsWith("typescript/") ? `typescript-6${request.slice("typescript".length)}` : request;
  return resolveFilename.call(this, typescript6, ...rest);
};
const { default: js } = await import("@eslint/js");
const { default: tseslint } = await import("typescript-eslint");

/** JavaScript here runs on Node: what Node defines globally, and CommonJS's module scope. */
const NODE_GLOBALS = Object.fromEntries([...Object.getOwnPropertyNames(globalThis), "require", "module", "exports", "__dirname", "__filename"].map((name) => [name, "readonly"]));

export default defineConfig(
  // examples/typed-client/gql/ is GraphQL Code Generator's output (npm run codegen:example), committed as generated.
  { ignores: ["dist/", "coverage/", "test-results/", "data/", "examples/typed-client/gql/"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    languageOptions: {
      // The program `tsc -p tsconfig.check.json` checks: application code, scripts, examples, tests and types.
      parserOptions: { project: "./tsconfig.check.json", tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Apollo plugin hooks, data sources and stream callbacks must return promises: `async` without `await` is how they say so.
      "@typescript-eslint/require-await": "off",
      // `const { id, ...columns } = row` is how a field is left out of a copy.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
      // Passing on a caught error as it came (typed `unknown`) is not inventing a non-Error reason.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      // Every control-character class here is a sanitizer that matches them on purpose (file names, mail subjects, input text).
      "no-control-regex": "off",
    },
  },
  {
    // The worker runs this file's zipInspectionWorker from its source text, where `require` is all there is.
    files: ["subgraphs/attachments/attachment/zip-worker.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Root TypeScript config files (vitest.config.mts) are outside tsconfig.check.json: each gets a program of its own.
    files: ["*.ts", "*.mts", "*.cts"],
    languageOptions: {
      parserOptions: { project: false, projectService: { allowDefaultProject: ["*.ts", "*.mts", "*.cts"] }, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // JavaScript (this file, other tools' config files) has no tsconfig and so no types to check against.
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: NODE_GLOBALS },
  },
  {
    // Tests read GraphQL and HTTP answers as `any` and compare enum columns with the strings clients see:
    // their assertions check the shapes, and typing every answer would double them for no safety.
    files: ["**/*.test.ts", "test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-enum-comparison": "off",
    },
  },
);
