import {
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
  parse,
  print,
  type SelectionSetNode,
  specifiedRules,
  validate,
  type ValidationRule,
  visit,
} from "graphql";
import { badInput, ErrorCode } from "../../subgraphs/kit/errors.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { isFeedId } from "../../subgraphs/kit/case-feed-protocol.js";
import { DEFAULT_COST_OPTIONS, operationCost } from "../protection/query-cost.js";
import { checkQueryText, type QueryLimits, queryTooComplex } from "../protection/query-limits.js";
import { SUBSCRIPTION_FIELDS, type SubscriptionField } from "./subscription-schema.js";

/** What a client sends to subscribe (graphql-ws `subscribe` payload, graphql-sse request). */
export interface SubscribeRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** Whether the caller runs published operations only (gateway/operations/operation-policy.ts). */
export type PersistedOnlyCheck = (principal: Principal, headers: Record<string, string | string[] | undefined>) => Promise<{ persistedOnly: boolean; reason?: string }>;

/**
 * The refusal of a persisted-only caller's subscription: subscriptions are not published operations, so such a
 * caller (a first-party app named in PERSISTED_ONLY_CLIENTS, an API key made --persisted-only) cannot send one.
 */
export async function refusePersistedOnly(check: PersistedOnlyCheck | undefined, principal: Principal, headers: Record<string, string | string[] | undefined>): Promise<GraphQLError | undefined> {
  const policy = await check?.(principal, headers);
  if (!policy?.persistedOnly) return undefined;
  return new GraphQLError(`This caller runs published operations only (${policy.reason}), and subscriptions are not published operations`, { extensions: { code: ErrorCode.PERSISTED_QUERY_REQUIRED } });
}

/** Checks a subscribe request and gives the subscription to run, or the errors to answer with. */
export type Preparer = (request: SubscribeRequest) => PreparedSubscription | { errors: GraphQLError[] };

/** The subscription's arguments, as given (coerced with the variables). */
export interface SubscriptionArgs {
  caseId?: string;
  after?: string;
  types?: string[];
  organizationIds?: string[];
}

/**
 * A checked subscription, and the query that resolves one event of it: the client's selection set,
 * fragments and remaining variables under `caseFeedEvent(id: $<eventVariable>)`, answered under the
 * client's response key.
 */
export interface PreparedSubscription {
  field: SubscriptionField;
  responseKey: string;
  args: SubscriptionArgs;
  query: string;
  operationName?: string;
  /** Names this document with these variables in the execution keys of identical subscribers (short: one per subscriber is kept). */
  key: string;
  /** The client's variables the query still uses. */
  variables: Record<string, unknown>;
  eventVariable: string;
  /** The subscription as parsed, and the schema it was checked against (graphql-ws wants both). */
  document: DocumentNode;
  schema: GraphQLSchema;
}

/**
 * Checks a subscription exactly as a query is checked (text length and tokens, parse, validation with the
 * depth, alias and directive rules, cost with its variables) against the schema with the Subscription type,
 * and rewrites it into the query run for each event. Returns the errors to send instead when it is refused.
 */
export function prepareSubscription(schema: GraphQLSchema, request: SubscribeRequest, limits: QueryLimits, shapeRules: readonly ValidationRule[]): PreparedSubscription | { errors: GraphQLError[] } {
  if (typeof request.query !== "string") return { errors: [new GraphQLError("Send the subscription as `query`", { extensions: { code: "BAD_REQUEST" } })] };
  const checked = checkQueryText(request.query, limits);
  if ("refusal" in checked) return { errors: [queryTooComplex(checked.refusal.measure, checked.refusal.found, checked.refusal.limit)] };
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    return { errors: [error instanceof GraphQLError ? new GraphQLError(error.message, { extensions: { code: "GRAPHQL_PARSE_FAILED" } }) : new GraphQLError(String(error))] };
  }
  const invalid = validate(schema, document, [...specifiedRules, ...shapeRules]);
  if (invalid.length) return { errors: invalid.map((error) => (error.extensions?.code ? error : new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }))) };
  const operationName = request.operationName ?? undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) return { errors: [new GraphQLError("Name the operation to run (operationName)", { extensions: { code: "BAD_REQUEST" } })] };
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
    return { errors: [new GraphQLError("Only subscriptions are served here: send queries and mutations to /graphql over HTTP", { extensions: { code: "BAD_REQUEST" } })] };
  }
  const variables = request.variables ?? {};
  const cost = operationCost(schema, document, operationName, variables, DEFAULT_COST_OPTIONS);
  if (cost !== null && cost > limits.maxCost) return { errors: [queryTooComplex("cost", cost, limits.maxCost)] };
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return { errors: coerced.errors.map((error) => new GraphQLError(error.message, { extensions: { code: ErrorCode.BAD_USER_INPUT } })) };

  const [root, ...others] = operation.selectionSet.selections;
  if (!root || others.length || root.kind !== Kind.FIELD || root.directives?.length) {
    return { errors: [new GraphQLError("Select the subscription field itself (caseEvents or allCaseEvents) at the root, without fragments or directives", { extensions: { code: "BAD_REQUEST" } })] };
  }
  const field = root.name.value as SubscriptionField;
  if (!SUBSCRIPTION_FIELDS.includes(field)) return { errors: [new GraphQLError(`Unknown subscription ${field}`, { extensions: { code: "BAD_REQUEST" } })] };
  const definition = schema.getSubscriptionType()!.getFields()[field]!;
  const args = getArgumentValues(definition, root, coerced.coerced) as SubscriptionArgs;
  if (args.after !== undefined && args.after !== null && !isFeedId(args.after)) return { errors: [badInput("after", `after must be the id of a case event, got "${args.after}"`)] };
  if (args.after === null) delete args.after;

  const rewritten = rewriteAsEventQuery(document, operation, root);
  const keptVariables = Object.fromEntries(Object.entries(variables).filter(([name]) => rewritten.variableNames.includes(name)));
  return {
    field,
    responseKey: root.alias?.value ?? field,
    args,
    query: rewritten.query,
    operationName: operation.name?.value,
    key: documentKey(`${rewritten.query}\u0000${JSON.stringify(keptVariables)}`),
    variables: keptVariables,
    eventVariable: rewritten.eventVariable,
    document,
    schema,
  };
}

const documentKeys = new Map<string, string>();

/** A short name per distinct query and variables (the first 1,000 kept; past that, the text itself). */
function documentKey(text: string): string {
  const known = documentKeys.get(text);
  if (known) return known;
  if (documentKeys.size >= 1_000) return text;
  const key = `d${documentKeys.size + 1}`;
  documentKeys.set(text, key);
  return key;
}

/** Fragment names a selection set spreads, directly or through the fragments it spreads. */
function reachableFragments(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): Set<string> {
  const found = new Set<string>();
  const walk = (node: SelectionSetNode) => {
    visit(node, {
      FragmentSpread(spread) {
        if (found.has(spread.name.value)) return;
        found.add(spread.name.value);
        const fragment = fragments.get(spread.name.value);
        if (fragment) walk(fragment.selectionSet);
      },
    });
  };
  walk(selectionSet);
  return found;
}

/**
 * `subscription S($caseId: ID!, $x: Boolean) { caseEvents(caseId: $caseId) { ...F @include(if: $x) } }` becomes
 * `query S($x: Boolean, $caseFeedEventId: ID!) { caseEvents: caseFeedEvent(id: $caseFeedEventId) { ...F @include(if: $x) } }`
 * with the fragments it uses: variables only the subscription's arguments used are dropped (a query with
 * unused variables is invalid), and so are the document's other operations and unused fragments.
 */
export function rewriteAsEventQuery(document: DocumentNode, operation: OperationDefinitionNode, root: FieldNode): { query: string; eventVariable: string; variableNames: string[] } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const selectionSet = root.selectionSet!;
  const used = reachableFragments(selectionSet, fragments);
  const keptFragments = [...fragments.values()].filter((fragment) => used.has(fragment.name.value));
  const usedVariables = new Set<string>();
  for (const node of [selectionSet, ...keptFragments]) {
    visit(node, {
      Variable(variable) {
        usedVariables.add(variable.name.value);
      },
    });
  }
  const declared = new Set((operation.variableDefinitions ?? []).map((d) => d.variable.name.value));
  let eventVariable = "caseFeedEventId";
  for (let n = 2; declared.has(eventVariable); n++) eventVariable = `caseFeedEventId${n}`;
  const idArgument: ArgumentNode = { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: "id" }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: eventVariable } } };
  const query: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: operation.name,
    directives: [],
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []).filter((d) => usedVariables.has(d.variable.name.value)),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: eventVariable } },
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: "ID" } } },
      },
    ],
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [
        {
          kind: Kind.FIELD,
          alias: { kind: Kind.NAME, value: root.alias?.value ?? root.name.value },
          name: { kind: Kind.NAME, value: "caseFeedEvent" },
          arguments: [idArgument],
          directives: [],
          selectionSet,
        },
      ],
    },
  };
  const text = print({ kind: Kind.DOCUMENT, definitions: [query, ...keptFragments] });
  return { query: text, eventVariable, variableNames: [...usedVariables].filter((name) => declared.has(name)) };
}
