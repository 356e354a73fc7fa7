import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Actor } from "../../kit/actor.js";
import { DateTime } from "../../kit/scalars.js";
import { CaseScoped } from "../threat-analysis/case-scoped.js";
import { FileVerdict } from "../threat.enums.js";

/**
 * One verdict recorded on a file result: by an engineer's `recordFileVerdict`, or by the answer to a
 * request (re-analysis, false positive, detection name). Rows are only ever added: the file's
 * `verdictHistory` lists them oldest first, so earlier verdicts stay visible after a re-analysis.
 */
@ObjectType("FileVerdictRecord", { description: "A verdict a file result had: the last one is its current verdict." })
@Entity("file_verdicts")
@Index(["fileAnalysisId", "sequence"], { unique: true })
export class FileVerdictEntity extends CaseScoped {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ type: "varchar", length: 36 })
  fileAnalysisId: string;

  /** 1 for the file's first recorded verdict, then 2, 3, ...: the history's order, even within one millisecond. */
  @Column({ type: "int" })
  sequence: number;

  @Field(() => FileVerdict)
  @Column({ type: "varchar", length: 16 })
  verdict: FileVerdict;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 200, nullable: true })
  detectionName: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 64, nullable: true })
  patternVersion: string | null;

  @Field(() => DateTime, { name: "at", description: "When it was recorded." })
  @Column({ type: "datetime", precision: 3 })
  recordedAt: Date;

  @Field(() => Actor, { name: "by", description: "Who recorded it." })
  @Column(() => Actor)
  recordedBy: Actor;

  @Field(() => ID, { nullable: true, description: "The request whose answer recorded it; null for a verdict recorded directly." })
  @Column({ type: "varchar", length: 36, nullable: true })
  requestId: string | null;
}
