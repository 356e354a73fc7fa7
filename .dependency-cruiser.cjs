// The architecture as rules: `npm run lint:architecture` (part of `npm run check` and `npm test`)
// fails on any import that breaks one, and prints the rule's reason under it.
// test/toolchain/architecture.test.ts proves that each rule still bites.
//
// Type-only imports count like any other: a cycle through `import type` is still two modules that
// cannot be understood, moved or tested one without the other.

/**
 * The modules of subgraphs/kit that the gateway may use: what every service of the graph shares
 * (principals and identity tokens, the topology, configuration, logging, errors, databases, process
 * lifecycle, download links, and the GraphQL client and the reservation and case-activity protocols
 * by which the gateway's relays talk to the subgraphs). The rest of the kit (federated schema, subgraph server, pagination,
 * lifecycle, telemetry, download links, and the GraphQL client and reservation protocol by which the gateway's
 * relay talks to the subgraphs). The rest of the kit (federated schema, subgraph server, pagination,
 * visibility, case kinds, ...) is how a subgraph is built; the gateway reaching for it would make
 * the gateway a subgraph in disguise.
 */
const GATEWAY_SURFACE = [
  "case-activity-protocol",
  "case-feed-protocol",
  "database",
  "database-errors",
  "env",
  "errors",
  "file-links",
  "fresh-pass",
  "graceful-close",
  "idempotency-protocol",
  "identity",
  "identity-keys",
  "logger",
  "masked-errors",
  "naming",
  "principal",
  "read-routing",
  "read-scope",
  "reservation-protocol",
  "run-service",
  "subgraph-client",
  // Tracing, metrics and log correlation: every service is observed the same way.
  "telemetry/[a-z-]+",
  "topology",
  "transaction",
];
const SURFACE = `^subgraphs/kit/(${GATEWAY_SURFACE.join("|")})[.]ts$`;
/** Tests, end-to-end (test/) or next to their code (*.test.ts), may import anything but a cycle. */
const TESTS = "(^test/|[.]test[.]ts$)";
const SUBGRAPHS = "(cases|attachments|threat-analysis)";

/** An import from `from` to `to` fails the command; `reason` is printed under each one found. */
function forbid(name, from, to, reason) {
  return { name, severity: "error", comment: reason, from, to };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    forbid(
      "no-cycles",
      {},
      { circular: true },
      "Modules that import each other, directly or around a loop (type-only imports included). Break the loop: move what both need into a third module, or pass the dependency in.",
    ),
    forbid(
      "subgraph-imports-other-subgraph",
      { path: `^subgraphs/${SUBGRAPHS}/`, pathNot: TESTS },
      { path: "^subgraphs/", pathNot: ["^subgraphs/kit/", "^subgraphs/$1/"] },
      "A subgraph may import only its own folder and subgraphs/kit. Another subgraph's data is reached through the graph (entity references, subgraph-client), never through its code.",
    ),
    forbid("subgraph-imports-gateway", { path: "^subgraphs/", pathNot: TESTS }, { path: "^gateway/" }, "Subgraphs never import the gateway: it is the only door from clients, not a library."),
    forbid(
      "gateway-imports-subgraph",
      { path: "^gateway/", pathNot: TESTS },
      { path: `^subgraphs/${SUBGRAPHS}/` },
      "The gateway knows subgraphs only by their topology entry and their SDL; it never imports a subgraph's own code.",
    ),
    forbid(
      "gateway-beyond-shared-kit",
      { path: "^gateway/", pathNot: TESTS },
      { path: "^subgraphs/kit/", pathNot: SURFACE },
      `The gateway may use only the shared part of subgraphs/kit (GATEWAY_SURFACE in .dependency-cruiser.cjs): ${GATEWAY_SURFACE.join(", ")}.`,
    ),
    forbid(
      "shared-kit-beyond-shared-kit",
      { path: SURFACE },
      { path: "^subgraphs/kit/", pathNot: SURFACE },
      "A module of the gateway's surface of subgraphs/kit may import only other modules of that surface; otherwise the gateway would depend on subgraph machinery through it.",
    ),
    forbid(
      "kit-imports-service",
      { path: "^subgraphs/kit/", pathNot: TESTS },
      { path: "^(subgraphs/(?!kit/)|gateway/|scripts/|examples/)" },
      "subgraphs/kit is shared by every service: it imports no subgraph, no gateway, no script.",
    ),
    forbid(
      "service-imports-context",
      { path: "[.]service[.]ts$" },
      { path: "^subgraphs/[^/]+/[^/]+[.](context|services)[.]ts$" },
      "A service is built with what it uses (database, clock, settings, the services it calls), never the request context or the bag of every service, which would include itself.",
    ),
    forbid(
      "production-imports-tests-or-scripts",
      { path: "^(subgraphs|gateway|examples)/", pathNot: TESTS },
      // An example may import its own modules (the typed client imports its generated code); nothing else may import an example.
      { path: ["^test/", "^scripts/", "^examples/", "[.]test[.]ts$"], pathNot: "^$1/" },
      "Code that runs in production never imports tests, examples or the command-line scripts (scripts and tests may import anything).",
    ),
    forbid(
      "production-imports-dev-dependency",
      { path: "^(subgraphs|gateway)/", pathNot: TESTS },
      { dependencyTypes: ["npm-dev"] },
      "Code that runs in production imports only `dependencies`: the Dockerfile prunes devDependencies (`npm prune --omit=dev`).",
    ),
    forbid("unresolvable", {}, { couldNotResolve: true }, "An import that resolves to nothing: a typo, or a module that moved. Nothing can be checked about it."),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^dist/" },
    // TypeScript 7's package has no compiler API for dependency-cruiser; swc parses TypeScript,
    // and sees type-only imports too (they vanish from compiled code, not from the design).
    parser: "swc",
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
