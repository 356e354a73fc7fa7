import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  getArgumentValues,
  getVariableValues,
} from "graphql";

export interface QueryCostOptions {
  /** Items a paginated field returns when the query gives no `first` (the contract's default page size). */
  defaultFirst: number;
  /** Items assumed for a list of objects that takes no `first` (threat results, an update's attachments). */
  listSize: number;
}

export const DEFAULT_COST_OPTIONS: QueryCostOptions = { defaultFirst: 20, listSize: 10 };

/**
 * What an operation may cost to answer, in points, before anything runs:
 * - scalar and enum fields cost 0; every object costs 1;
 * - a field with a `first` argument (a Relay connection) returns up to `first` items (default 20), so it
 *   costs `first` × the cost of its selection (at least 1 per item); the `edges`/`nodes` lists inside are
 *   those same items and are not multiplied again;
 * - any other list of objects counts `listSize` items;
 * - introspection fields (`__schema`, `__type`, `__typename`) are free (introspection has its own switch).
 * `first` is read from literals and from the request's variables. Returns null when the variables do not
 * coerce (execution refuses such a request before any resolver runs).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | undefined,
  options: QueryCostOptions = DEFAULT_COST_OPTIONS,
): number | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return null;
  const variables = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return null;

  const selectionCost = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, insideConnection: boolean, fragmentPath: Set<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD:
          total += fieldCost(selection, parentType, insideConnection, fragmentPath);
          break;
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
          if (type && isCompositeType(type)) total += selectionCost(selection.selectionSet, type, insideConnection, fragmentPath);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // Validation refuses fragment cycles; the path guard only keeps this function total.
          if (!fragment || fragmentPath.has(name)) break;
          const type = schema.getType(fragment.typeCondition.name.value);
          if (type && isCompositeType(type)) total += selectionCost(fragment.selectionSet, type, insideConnection, new Set([...fragmentPath, name]));
          break;
        }
      }
    }
    return total;
  };

  const fieldCost = (node: FieldNode, parentType: GraphQLCompositeType, insideConnection: boolean, fragmentPath: Set<string>): number => {
    if (node.name.value.startsWith("__")) return 0;
    const definition = fieldDefinition(parentType, node.name.value);
    if (!definition || !node.selectionSet) return 0;
    const type = getNamedType(definition.type);
    if (!isCompositeType(type)) return 0;
    if (definition.args.some((argument) => argument.name === "first")) {
      const first = getArgumentValues(definition, node, variables).first;
      const items = typeof first === "number" ? Math.max(0, first) : options.defaultFirst;
      return items * Math.max(1, selectionCost(node.selectionSet, type, true, fragmentPath));
    }
    const children = selectionCost(node.selectionSet, type, false, fragmentPath);
    if (isListType(getNullableType(definition.type))) {
      return insideConnection ? children : options.listSize * (1 + children);
    }
    return 1 + children;
  };

  return selectionCost(operation.selectionSet, rootType, false, new Set());
}

function fieldDefinition(parentType: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[name] : undefined;
}
