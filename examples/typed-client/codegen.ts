import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * GraphQL Code Generator for the typed client example (`npm run codegen:example`): the client preset over
 * the committed supergraph, with persisted documents on. It writes `gql/` (typed documents, each carrying
 * its SHA-256 hash) and `gql/persisted-documents.json` (`{ "<hash>": "<document>" }`), the manifest that
 * `npm run operations -- publish` takes.
 */
const config: CodegenConfig = {
  schema: "schema/supergraph.graphql",
  documents: ["examples/typed-client/operations.ts"],
  // `.js` extensions in the generated imports: the example is compiled as Node ESM-compatible TypeScript (module nodenext).
  emitLegacyCommonJSImports: false,
  generates: {
    "examples/typed-client/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false, persistedDocuments: { mode: "embedHashInDocument", hashAlgorithm: "sha256" } },
      config: { useTypeImports: true, enumsAsTypes: true, defaultScalarType: "unknown", scalars: { DateTime: "string", ID: "string" } },
    },
  },
};

export default config;
