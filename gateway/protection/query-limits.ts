import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { RequestHandler, Response } from "express";
import { type DocumentNode, GraphQLError, type GraphQLSchema, type ValidationContext, type ValidationRule } from "graphql";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import { DEFAULT_COST_OPTIONS, operationCost } from "./query-cost.js";
import { type QueryScan, scanQuery } from "./query-scan.js";

/** How big an operation may be; each breach is refused with QUERY_TOO_COMPLEX before anything runs. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Lexical tokens of the query text, checked before parsing. */
  maxTokens: number;
  /**
   * Characters of the query text, checked before lexing: one string or comment token can be a
   * megabyte on its own, which the token count does not see.
   */
  maxLength: number;
  /** Points of `operationCost` (connections cost `first` × their selection). */
  maxCost: number;
}

export type QueryMeasure = "length" | "depth" | "aliases" | "directives" | "tokens" | "cost";

/** QUERY_TOO_COMPLEX carrying the measured figure (`extensions.depth`, `.cost`, ...) and the limit; HTTP 400. */
export function queryTooComplex(measure: QueryMeasure, found: number, limit: number): GraphQLError {
  return new GraphQLError(`Query ${measure} ${found} exceeds the limit of ${limit}`, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, [measure]: found, limit, http: { status: 400 } },
  });
}

/**
 * graphql-armor's depth, alias and directive rules, reporting QUERY_TOO_COMPLEX instead of armor's
 * "Syntax Error" text. They run as Apollo validation rules (once per distinct document; Apollo caches
 * validated documents). Apollo files every validation error under GRAPHQL_VALIDATION_FAILED, so
 * `maskErrors` restores the code from the reported error.
 */
export function queryShapeRules(limits: QueryLimits): ValidationRule[] {
  const reject = (measure: QueryMeasure, limit: number) => (context: ValidationContext | null, error: GraphQLError) => {
    // Armor's message ends with "found N." when exposeLimits is on (the default).
    const found = Number(/found (\d+)/.exec(error.message)?.[1] ?? limit + 1);
    context?.reportError(queryTooComplex(measure, found, limit));
  };
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true, propagateOnRejection: false, onReject: [reject("depth", limits.maxDepth)] },
    maxAliases: { n: limits.maxAliases, propagateOnRejection: false, onReject: [reject("aliases", limits.maxAliases)] },
    maxDirectives: { n: limits.maxDirectives, propagateOnRejection: false, onReject: [reject("directives", limits.maxDirectives)] },
    // Our own cost rule reads Relay `first` (armor's does not); tokens are counted before Apollo parses
    // (armor's token plugin throws from parsingDidStart, which Apollo Server treats as an unexpected error);
    // field suggestions are hidden by `hideFieldSuggestions`, which also covers enum-value hints.
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect().validationRules;
}

/**
 * Refuses an operation whose cost (see `operationCost`) exceeds `maxCost`, after validation, with the request's variables.
 * The cost of an operation that declares no variables depends on its document alone: it is worked out once per
 * document Apollo keeps parsed (its document store hands the same document to every request with the same text).
 */
export function queryCostPlugin(maxCost: number): ApolloServerPlugin {
  const known = new WeakMap<DocumentNode, { schema: GraphQLSchema; costs: Map<string | null, number | null> }>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operation, operationName }) {
          let cost: number | null;
          if (!operation || operation.variableDefinitions?.length) {
            cost = operationCost(schema, document, operationName, request.variables, DEFAULT_COST_OPTIONS);
          } else {
            let entry = known.get(document);
            if (entry?.schema !== schema) known.set(document, (entry = { schema, costs: new Map() }));
            const name = operationName ?? null;
            cost = entry.costs.has(name) ? entry.costs.get(name)! : operationCost(schema, document, operationName, request.variables, DEFAULT_COST_OPTIONS);
            entry.costs.set(name, cost);
          }
          if (cost !== null && cost > maxCost) throw queryTooComplex("cost", cost, maxCost);
        },
      };
    },
  };
}

/** Why a query text is refused before it is parsed: the measure, the figure found and the limit. */
export interface TextRefusal {
  measure: "length" | "tokens";
  found: number;
  limit: number;
  message: string;
}

/**
 * Checks a query text's length, then (one bounded lexer pass) its tokens, before anything parses it.
 * Returns the scan (null when the text does not lex: the GraphQL server reports the syntax error) or
 * why it is refused. The token figure stops at limit + 1: it says "more than the limit".
 */
export function checkQueryText(query: string, limits: Pick<QueryLimits, "maxTokens" | "maxLength">): { scan: QueryScan | null } | { refusal: TextRefusal } {
  if (query.length > limits.maxLength) {
    return { refusal: { measure: "length", found: query.length, limit: limits.maxLength, message: `Query text of ${query.length} characters exceeds the limit of ${limits.maxLength}` } };
  }
  const scan = scanQuery(query, limits.maxTokens);
  if (scan && scan.tokens > limits.maxTokens) {
    return { refusal: { measure: "tokens", found: scan.tokens, limit: limits.maxTokens, message: `Query has more than ${limits.maxTokens} tokens` } };
  }
  return { scan };
}

/** What `querySizeLimit` learnt about the request's query text (null: no query text, or one that does not lex). */
export function queryScanOf(res: Response): QueryScan | null | undefined {
  return res.locals.queryScan as QueryScan | null | undefined;
}

/**
 * Express middleware, first of everything that reads the query text: refuses a text over `maxLength`
 * characters or `maxTokens` tokens with QUERY_TOO_COMPLEX (400) before anything parses it, and leaves
 * its scan (operation types and names) in `res.locals` for the middleware after it (see `queryScanOf`).
 */
export function querySizeLimit(limits: Pick<QueryLimits, "maxTokens" | "maxLength">): RequestHandler {
  return (req, res, next) => {
    const query = (req.body as { query?: unknown } | undefined)?.query ?? req.query?.query;
    if (typeof query !== "string") {
      res.locals.queryScan = null;
      return next();
    }
    const checked = checkQueryText(query, limits);
    if ("scan" in checked) {
      res.locals.queryScan = checked.scan;
      return next();
    }
    const { measure, found, limit, message } = checked.refusal;
    res.status(400).json({ errors: [{ message, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, [measure]: found, limit } }] });
  };
}
