import { ApolloGateway } from "@apollo/gateway";
import type { ApolloServerOptionsWithGateway, ApolloServerPlugin, BaseContext } from "@apollo/server";
import { type DocumentNode, execute, extendSchema, GraphQLError, type GraphQLSchema, Kind, type OperationDefinitionNode, OperationTypeNode, parse, printSchema, type SelectionSetNode } from "graphql";
import { ErrorCode } from "../../subgraphs/kit/errors.js";

/** Where clients subscribe: graphql-ws (`graphql-transport-ws`) on the GraphQL path, graphql-sse beside it. */
export const WS_PATH = "/graphql";
export const SSE_PATH = "/graphql/stream";

/**
 * The gateway's own root type. Each event is then resolved through the federated graph as the
 * subscriber (`Query.caseFeedEvent`), so a subscription selects exactly what a query of that event may.
 */
export const SUBSCRIPTION_SDL = `
"""
Live case events. Subscribe over WebSocket (graphql-ws, protocol graphql-transport-ws) at ${WS_PATH}, or over
Server-Sent Events (graphql-sse) at ${SSE_PATH}; plain HTTP POST and GET refuse subscriptions.
"""
type Subscription {
  """
  The events of one case, oldest first, as the subscriber may see them. With \`after\` (the id of the last event
  received), every event since is sent first, then live ones: nothing lost, nothing twice. An \`after\` older than
  the feed keeps fails with FEED_CURSOR_EXPIRED: read the case again, then subscribe without it.
  """
  caseEvents(caseId: ID!, after: ID, types: [CaseFeedEventType!]): CaseFeedEvent!
  """
  Every event the subscriber may see (an engineer: all; a customer: its organization; a partner: those it
  manages), optionally only some organizations' and some types. \`after\` as in caseEvents.
  """
  allCaseEvents(after: ID, organizationIds: [ID!], types: [CaseFeedEventType!]): CaseFeedEvent!
}
`;

export const SUBSCRIPTION_FIELDS = ["caseEvents", "allCaseEvents"] as const;
export type SubscriptionField = (typeof SUBSCRIPTION_FIELDS)[number];

/** True when the graph serves what subscriptions resolve events with (`Query.caseFeedEvent` and its types). */
export function servesCaseFeed(apiSchema: GraphQLSchema): boolean {
  return Boolean(apiSchema.getQueryType()?.getFields().caseFeedEvent && apiSchema.getType("CaseFeedEvent") && apiSchema.getType("CaseFeedEventType"));
}

/** The API schema with the Subscription type (unchanged when the graph does not serve the feed). */
export function withSubscriptionType(apiSchema: GraphQLSchema): GraphQLSchema {
  if (apiSchema.getSubscriptionType() || !servesCaseFeed(apiSchema)) return apiSchema;
  return extendSchema(apiSchema, parse(`${SUBSCRIPTION_SDL}\nextend schema { subscription: Subscription }`), { assumeValidSDL: false });
}

/**
 * The schema clients see at the gateway, printed (`npm run schema` writes it to schema/api.graphql): the
 * supergraph's API schema (no `@inaccessible` field, no federation directive) with the Subscription type.
 */
export async function printApiSchema(supergraphSdl: string): Promise<string> {
  const gateway = new ApolloGateway({ supergraphSdl });
  try {
    const { schema } = await gateway.load();
    return `${printSchema(withSubscriptionType(schema))}\n`;
  } finally {
    await gateway.stop();
  }
}

type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>["gateway"];

/** True when every root field of the operation (through fragments) is introspection: `__schema`, `__type`, `__typename`. */
function introspectionOnly(operation: OperationDefinitionNode, document: DocumentNode): boolean {
  const seen = new Set<string>();
  const visit = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value.startsWith("__");
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet);
      if (seen.has(selection.name.value)) return true;
      seen.add(selection.name.value);
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      return fragment?.kind === Kind.FRAGMENT_DEFINITION ? visit(fragment.selectionSet) : false;
    });
  return visit(operation.selectionSet);
}

/**
 * Apollo Server's view of the gateway with the Subscription type added to its API schema: validation and
 * introspection (explorer, code generators) see the subscriptions; the gateway's own executor plans every
 * other operation over the supergraph as before. An introspection-only operation is answered from the
 * extended schema here (the gateway's planner introspects its own schema, which has no Subscription).
 */
export function gatewayWithSubscriptions(gateway: GatewayInterface, onSchema: (schema: GraphQLSchema) => void): GatewayInterface {
  // Per operation node of a document Apollo keeps parsed: every request with the same text shares it.
  const introspection = new WeakMap<OperationDefinitionNode, boolean>();
  return {
    async load(options) {
      const { executor } = await gateway.load(options);
      if (!executor) return { executor };
      return {
        executor: async (requestContext) => {
          const { operation, document, schema, request, context } = requestContext;
          let onlyIntrospection = introspection.get(operation);
          if (onlyIntrospection === undefined) introspection.set(operation, (onlyIntrospection = operation.operation === OperationTypeNode.QUERY && introspectionOnly(operation, document)));
          if (onlyIntrospection) {
            return execute({ schema, document, operationName: request.operationName, variableValues: request.variables, contextValue: context });
          }
          return executor(requestContext);
        },
      };
    },
    onSchemaLoadOrUpdate(callback) {
      return gateway.onSchemaLoadOrUpdate((context) => {
        const apiSchema = withSubscriptionType(context.apiSchema);
        onSchema(apiSchema);
        callback({ ...context, apiSchema });
      });
    },
    stop: () => gateway.stop(),
  };
}

/** The error a subscription sent as a plain HTTP request gets: it names the two endpoints that serve them. */
export function subscriptionTransportRequired(): GraphQLError {
  return new GraphQLError(`Subscriptions are served over WebSocket (graphql-ws, protocol graphql-transport-ws) at ${WS_PATH} and over Server-Sent Events (graphql-sse) at ${SSE_PATH}, not by plain POST or GET`, {
    extensions: { code: ErrorCode.SUBSCRIPTION_TRANSPORT_REQUIRED, websocket: WS_PATH, sse: SSE_PATH, http: { status: 400 } },
  });
}

/** Refuses subscription operations sent over plain HTTP, before anything executes. */
export function refuseSubscriptionsOverHttp<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === OperationTypeNode.SUBSCRIPTION) throw subscriptionTransportRequired();
        },
      };
    },
  };
}
