import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

// Vitest 5's reporter calls Map.groupBy (Node 21+); these machines run Node 20.
if (typeof (Map as any).groupBy !== "function") {
  (Map as any).groupBy = <K, V>(items: Iterable<V>, keyOf: (item: V, index: number) => K): Map<K, V[]> => {
    const groups = new Map<K, V[]>();
    let index = 0;
    for (const item of items) {
      const key = keyOf(item, index++);
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    return groups;
  };
}

export default defineConfig({
  // type-graphql and TypeORM read decorator metadata: oxc must emit it (esbuild does not).
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
  },
});
