import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
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
    // A worker runs its files one after another without reloading modules between them: Apollo, TypeORM
    // and type-graphql load once per worker instead of once per file (that import was a quarter of the
    // run). Safe here because a file leaves no global state behind: tests put back what they change (fake
    // timers, log redirection), no test file declares type-graphql or TypeORM classes of its own (their
    // metadata storage is global, and the subgraphs of one test graph share it already), and nothing uses
    // vi.mock. test/support/shared-worker-guard.ts fails a file that leaves fake timers on.
    isolate: false,
    // Processes, not threads: tests measure their process's memory (a 250 MB upload must not be held), and
    // a worker thread next to them would count in it.
    pool: "forks",
    setupFiles: ["test/support/shared-worker-guard.ts"],
    // Vitest's default is one worker fewer than there are cores: one on a 2-core machine. Test files spend
    // much of their time waiting (on MySQL, on the services they run as processes, on timers), and a
    // second worker fills that time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    globalSetup: ["test/support/global-setup.ts"],
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
