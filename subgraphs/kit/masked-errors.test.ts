import { GraphQLError } from "graphql";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "./errors.js";
import { maskErrors, withoutFieldSuggestions } from "./masked-errors.js";

function capturingLogger() {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe("maskErrors", () => {
  it("passes contract errors through without stack traces or the subgraph response the gateway attached", () => {
    const { logger, lines } = capturingLogger();
    const formatted = maskErrors(logger)(
      {
        message: "Case 7 was not found",
        extensions: { code: "NOT_FOUND", id: "7", serviceName: "cases", stacktrace: ["Error: at /work/x.ts:1"], response: { url: "http://127.0.0.1:4001/graphql", body: "..." } },
      },
      new GraphQLError("Case 7 was not found"),
    );
    expect(formatted).toEqual({ message: "Case 7 was not found", extensions: { code: "NOT_FOUND", id: "7", serviceName: "cases" } });
    expect(lines).toHaveLength(0);
  });

  it("masks an unknown error as INTERNAL_SERVER_ERROR with a correlation id, and logs its stack under that id", () => {
    const { logger, lines } = capturingLogger();
    const cause = new Error("SQLITE_ERROR: no such table: cases (SELECT * FROM cases)");
    const formatted = maskErrors(logger)({ message: cause.message, path: ["case"], extensions: { code: "INTERNAL_SERVER_ERROR" } }, new GraphQLError(cause.message, { originalError: cause }));
    const correlationId = formatted.extensions!.correlationId as string;
    expect(formatted).toEqual({ message: `Internal server error (correlation id ${correlationId})`, path: ["case"], extensions: { code: "INTERNAL_SERVER_ERROR", correlationId } });
    expect(lines[0]).toMatchObject({ correlationId, err: { message: cause.message } });
    expect(lines[0]!.err.stack).toContain("masked-errors.test.ts");
  });

  it("masks errors with codes outside the contract", () => {
    const { logger } = capturingLogger();
    const formatted = maskErrors(logger)({ message: "Cannot return null for non-nullable field", extensions: { code: "DOWNSTREAM_SERVICE_ERROR" } }, new Error("x"));
    expect(formatted.extensions?.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
  });

  it("keeps the correlation id of an internal error a subgraph already masked and logged", () => {
    const { logger, lines } = capturingLogger();
    const subgraphId = "0b4c3f56-2d0e-4a43-9f51-7d1b2e6c9a10";
    const formatted = maskErrors(logger)(
      { message: `Internal server error (correlation id ${subgraphId})`, extensions: { code: "INTERNAL_SERVER_ERROR", correlationId: subgraphId, serviceName: "threat-analysis" } },
      new GraphQLError("x"),
    );
    expect(formatted.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", correlationId: subgraphId });
    expect(lines[0]).toMatchObject({ correlationId: subgraphId, serviceName: "threat-analysis" });
  });

  it("keeps QUERY_TOO_COMPLEX that a validation rule reported, although Apollo files it as a validation failure", () => {
    const { logger } = capturingLogger();
    const reported = new GraphQLError("Query depth 12 exceeds the limit of 10", { extensions: { code: "QUERY_TOO_COMPLEX", depth: 12, limit: 10 } });
    const asApolloSendsIt = new GraphQLError(reported.message, { originalError: reported, extensions: { depth: 12, limit: 10, code: "GRAPHQL_VALIDATION_FAILED" } });
    const formatted = maskErrors(logger)({ message: reported.message, extensions: { ...asApolloSendsIt.extensions } }, asApolloSendsIt);
    expect(formatted.extensions).toEqual({ code: "QUERY_TOO_COMPLEX", depth: 12, limit: 10 });
  });

  it("drops 'Did you mean' hints when asked to", () => {
    const { logger } = capturingLogger();
    const message = 'Cannot query field "totlCount" on type "CaseConnection". Did you mean "totalCount"?';
    expect(maskErrors(logger, { hideFieldSuggestions: true })({ message, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }, new GraphQLError(message)).message).toBe(
      'Cannot query field "totlCount" on type "CaseConnection".',
    );
    expect(maskErrors(logger)({ message, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }, new GraphQLError(message)).message).toBe(message);
    expect(withoutFieldSuggestions('Value "HIG" does not exist in "Severity" enum. Did you mean the enum value "HIGH"?')).toBe('Value "HIG" does not exist in "Severity" enum.');
  });
});
