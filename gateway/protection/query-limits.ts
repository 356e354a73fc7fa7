import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { RequestHandler } from "express";
import { GraphQLError, Lexer, Source, TokenKind, type ValidationContext, type ValidationRule } from "graphql";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import { DEFAULT_COST_OPTIONS, operationCost } from "./query-cost.js";

/** How big an operation may be; each breach is refused with QUERY_TOO_COMPLEX before anything runs. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Lexical tokens of the query text, checked before parsing. */
  maxTokens: number;
  /** Points of `operationCost` (connections cost `first` × their selection). */
  maxCost: number;
}

export type QueryMeasure = "depth" | "aliases" | "directives" | "tokens" | "cost";

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

/** Refuses an operation whose cost (see `operationCost`) exceeds `maxCost`, after validation, with the request's variables. */
export function queryCostPlugin(maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operationName }) {
          const cost = operationCost(schema, document, operationName, request.variables, DEFAULT_COST_OPTIONS);
          if (cost !== null && cost > maxCost) throw queryTooComplex("cost", cost, maxCost);
        },
      };
    },
  };
}

/** Number of lexical tokens in `query`, counting at most `limit + 1`; null when the text does not lex (Apollo reports that). */
export function countTokens(query: string, limit: number): number | null {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      if (++count > limit) break;
    }
  } catch {
    return null;
  }
  return count;
}

/** Express middleware: refuses a query text with more than `maxTokens` tokens before anything parses it. */
export function tokenLimit(maxTokens: number): RequestHandler {
  return (req, res, next) => {
    const query = (req.body as { query?: unknown } | undefined)?.query ?? req.query?.query;
    if (typeof query !== "string") return next();
    const tokens = countTokens(query, maxTokens);
    if (tokens === null || tokens <= maxTokens) return next();
    // Counting stops at limit + 1: the figure says "more than the limit", not the full length.
    res.status(400).json({ errors: [{ message: `Query has more than ${maxTokens} tokens`, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, tokens, limit: maxTokens } }] });
  };
}
