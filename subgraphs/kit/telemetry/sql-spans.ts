import { SpanKind, trace } from "@opentelemetry/api";
import { type AfterQueryEvent, type EntitySubscriberInterface, EventSubscriber } from "typeorm";
import { failSpan } from "./tracing.js";

const tracer = trace.getTracer("casegraph-sqlite");

/** The statement without literals (numbers, '...' strings), as the mysql2 instrumentation masks them; identifiers ("c"."id") stay. */
function masked(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "?").replace(/\b\d+\b/g, "?");
}

/**
 * A span per SQL statement on SQLite, where no driver instrumentation exists (better-sqlite3 is a native
 * module without hooks; MySQL gets its spans from the mysql2 instrumentation). TypeORM reports each
 * statement after it ran with its duration, in the caller's async context: the span is made then, back-dated
 * by that duration (millisecond precision), as a child of the span that ran the statement. Statement text only, literals masked,
 * never the parameters. Registered as a TypeORM subscriber only while tracing is on (see database.ts): the
 * decorator makes it eligible, a DataSource uses it only when its options name it.
 */
@EventSubscriber()
export class SqliteQuerySpans implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent): void {
    const operation = /^\s*(\w+)/.exec(event.query)?.[1]?.toUpperCase() ?? "SQL";
    const span = tracer.startSpan(operation, {
      kind: SpanKind.CLIENT,
      startTime: Date.now() - (event.executionTime ?? 0),
      attributes: { "db.system.name": "sqlite", "db.operation.name": operation, "db.query.text": masked(event.query).slice(0, 2000) },
    });
    if (!event.success) failSpan(span, event.error);
    span.end();
  }
}
