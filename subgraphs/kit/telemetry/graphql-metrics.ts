import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { type DocumentNode, Kind } from "graphql";
import { Counter, Histogram } from "prom-client";
import { BoundedLabel, DURATION_BUCKETS, type ServiceMetrics } from "./metrics.js";

/** A GraphQL name (`Dashboard`, `Dashboard__cases__0`): anything else a client sends as a name counts as `invalid`. */
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/** The name of a document's only operation: what a request that failed validation was called (Apollo resolves the name only after). */
function soleOperationName(document: DocumentNode | undefined): string | undefined {
  const operations = document?.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION) ?? [];
  const [only] = operations;
  return operations.length === 1 && only?.kind === Kind.OPERATION_DEFINITION ? only.name?.value : undefined;
}

export interface GraphQLMetricsOptions {
  /** Also by client (`apollographql-client-name` / `-version` headers): the gateway, where clients call. */
  byClient?: boolean;
}

/**
 * Apollo Server plugin recording every GraphQL operation in the service's registry:
 * `casegraph_graphql_request_duration_seconds{operation_name, operation_type}`, at the gateway also
 * `casegraph_graphql_client_request_duration_seconds{client_name, client_version}`, and
 * `casegraph_graphql_errors_total{operation_name, code}` by the code the client saw (after masking).
 * Names come from clients: the first 200 operation names, 50 client names and 100 versions are kept, later
 * ones count as `other` (see BoundedLabel), so that no client can grow the number of series without bound.
 */
export function graphqlMetricsPlugin<TContext extends BaseContext>(metrics: ServiceMetrics, options: GraphQLMetricsOptions = {}): ApolloServerPlugin<TContext> {
  const registers = [metrics.registry];
  const operations = new Histogram({
    name: "casegraph_graphql_request_duration_seconds",
    help: "GraphQL operations by operation name (anonymous: none given) and type, from the request to the answer",
    labelNames: ["operation_name", "operation_type"],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const clients = options.byClient
    ? new Histogram({
        name: "casegraph_graphql_client_request_duration_seconds",
        help: "GraphQL operations by client, from the apollographql-client-name and -version headers (none: not sent)",
        labelNames: ["client_name", "client_version"],
        buckets: DURATION_BUCKETS,
        registers,
      })
    : undefined;
  const errors = new Counter({ name: "casegraph_graphql_errors_total", help: "Errors in GraphQL answers by operation name and extensions.code as the client saw it", labelNames: ["operation_name", "code"], registers });
  const operationNames = new BoundedLabel(200, GRAPHQL_NAME, "anonymous");
  const clientNames = new BoundedLabel(50);
  const clientVersions = new BoundedLabel(100);
  const codes = new BoundedLabel(50, /^[A-Z][A-Z0-9_]{0,63}$/, "NONE");

  return {
    async requestDidStart({ request }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, operation, document, response }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const name = operationNames.value(operationName ?? request.operationName ?? soleOperationName(document));
          operations.observe({ operation_name: name, operation_type: operation?.operation ?? "unknown" }, seconds);
          if (clients) {
            const headers = request.http?.headers;
            clients.observe({ client_name: clientNames.value(headers?.get("apollographql-client-name")), client_version: clientVersions.value(headers?.get("apollographql-client-version")) }, seconds);
          }
          if (response.body.kind !== "single") return;
          for (const error of response.body.singleResult.errors ?? []) {
            const code = error.extensions?.code;
            errors.inc({ operation_name: name, code: codes.value(typeof code === "string" ? code : undefined) });
          }
        },
      };
    },
  };
}
