import type { ApolloServerPlugin } from "@apollo/server";
import { type DocumentNode, Kind, type OperationDefinitionNode, OperationTypeNode, parse, type SelectionSetNode } from "graphql";
import type { CaseActivityRelay } from "./case-activity-relay.js";

/**
 * The client-facing root mutation fields that the supergraph resolves in `subgraph` (by their
 * `@join__field(graph:)`; `@inaccessible` ones left out): the mutations after which threat activity
 * may wait in that subgraph's outbox.
 */
export function mutationFieldsOf(supergraphSdl: string, subgraph: string): Set<string> {
  const document = parse(supergraphSdl);
  let graph: string | undefined;
  const fields = new Set<string>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === "join__Graph") {
      graph = definition.values?.find((value) =>
        value.directives?.some((d) => d.name.value === "join__graph" && d.arguments?.some((a) => a.name.value === "name" && a.value.kind === Kind.STRING && a.value.value === subgraph)),
      )?.name.value;
    }
  }
  if (!graph) return fields;
  for (const definition of document.definitions) {
    if ((definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) || definition.name.value !== "Mutation") continue;
    for (const field of definition.fields ?? []) {
      const joined = field.directives?.some((d) => d.name.value === "join__field" && d.arguments?.some((a) => a.name.value === "graph" && a.value.kind === Kind.ENUM && a.value.value === graph));
      const inaccessible = field.directives?.some((d) => d.name.value === "inaccessible");
      if (joined && !inaccessible) fields.add(field.name.value);
    }
  }
  return fields;
}

/** The root fields an operation selects, through inline fragments and fragment spreads. */
function rootFields(operation: OperationDefinitionNode, document: DocumentNode): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
        if (fragment?.kind === Kind.FRAGMENT_DEFINITION) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return names;
}

/**
 * After a mutation that reached the threat-analysis subgraph, and before the answer leaves, runs a
 * case-activity relay pass, waited for at most `waitMs`: the client then reads the case's history,
 * `updatedAt` and sub-status as its mutation left them. When the cases subgraph is slow or down the
 * answer goes anyway; the interval pass delivers later. `waitMs` 0 turns this off.
 * `afterMutation` then hears of every mutation answered (after that pass, when there was one): the
 * subscriptions read the case feed at once.
 */
export function deliverCaseActivityAfterMutations<TContext extends object>(relay: CaseActivityRelay, threatMutations: ReadonlySet<string>, waitMs: number, afterMutation?: () => void): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      if ((waitMs <= 0 || threatMutations.size === 0) && !afterMutation) return;
      return {
        async willSendResponse({ operation, document }) {
          if (operation?.operation !== OperationTypeNode.MUTATION || !document) return;
          if (waitMs > 0 && [...rootFields(operation, document)].some((name) => threatMutations.has(name))) await relay.deliverWithin(waitMs);
          afterMutation?.();
        },
      };
    },
  };
}
