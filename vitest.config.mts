import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  // type-graphql and TypeORM read decorator metadata: Vite 8's oxc transform emits it when told (Vite 7's esbuild cannot);
  // test/toolchain/decorator-metadata.test.ts fails if it stops.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  // One graphql instance for ESM tests and CJS libraries, else "Cannot use GraphQLObjectType from another module or realm".
  resolve: { alias: { graphql: require.resolve("graphql") } },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    testTimeout: 30_000,
    // The JSON report is what .ci/run counts; the default reporter is for people.
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    hookTimeout: 60_000,
    // `npm run coverage`: what the tests execute of the application's own code (tests themselves excluded).
    coverage: {
      provider: "v8",
      include: ["gateway/**", "subgraphs/**", "scripts/**"],
      exclude: ["**/*.test.ts"],
      reporter: ["text-summary", "json-summary"],
      reportsDirectory: "coverage",
    },
  },
});
