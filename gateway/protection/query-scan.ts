import { Lexer, Source, TokenKind } from "graphql";

/** One operation of a document as its first tokens declare it: `mutation Name ...`, or `{ ... }` for a query. */
export interface OperationHead {
  operation: "query" | "mutation" | "subscription";
  name?: string;
}

/** What one pass of the lexer learns about a query text, without building a syntax tree. */
export interface QueryScan {
  /** Lexical tokens, counted up to `maxTokens + 1` (the scan stops there). */
  tokens: number;
  /** The operations declared at the top level, in order (complete only when `tokens <= maxTokens`). */
  operations: OperationHead[];
}

const OPERATION_KEYWORDS = new Set(["query", "mutation", "subscription"]);

/**
 * Lexes `query` once, stopping after `maxTokens + 1` tokens: counts the tokens and notes the
 * top-level operation heads, so that the token limit and the "is this a mutation" question of
 * the idempotency check cost one bounded pass and no parse. A definition starts at brace and
 * parenthesis depth 0 (object values in variable defaults or directive arguments sit inside
 * parentheses). Null when the text does not lex: the GraphQL server reports that syntax error.
 */
export function scanQuery(query: string, maxTokens: number): QueryScan | null {
  const lexer = new Lexer(new Source(query));
  const operations: OperationHead[] = [];
  let tokens = 0;
  let braces = 0;
  let parens = 0;
  let expectingDefinition = true;
  let awaitingName: OperationHead | undefined;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > maxTokens) break;
      if (braces === 0 && parens === 0) {
        if (awaitingName) {
          const head = awaitingName;
          awaitingName = undefined;
          if (token.kind === TokenKind.NAME) {
            head.name = token.value;
            continue;
          }
        } else if (expectingDefinition) {
          expectingDefinition = false;
          if (token.kind === TokenKind.BRACE_L) operations.push({ operation: "query" });
          if (token.kind === TokenKind.NAME && OPERATION_KEYWORDS.has(token.value)) {
            awaitingName = { operation: token.value as OperationHead["operation"] };
            operations.push(awaitingName);
            continue;
          }
        }
      }
      if (token.kind === TokenKind.BRACE_L) braces++;
      else if (token.kind === TokenKind.PAREN_L) parens++;
      else if (token.kind === TokenKind.PAREN_R) parens--;
      else if (token.kind === TokenKind.BRACE_R && --braces === 0 && parens === 0) expectingDefinition = true;
    }
  } catch {
    return null;
  }
  return { tokens, operations };
}

/** The operation a request runs: the only one, or the one named `operationName`. */
export function selectedOperation(scan: QueryScan, operationName: unknown): OperationHead | undefined {
  if (scan.operations.length === 1) return scan.operations[0];
  return typeof operationName === "string" ? scan.operations.find((operation) => operation.name === operationName) : undefined;
}
