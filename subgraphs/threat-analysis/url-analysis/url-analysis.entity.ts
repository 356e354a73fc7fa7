import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { DateTime } from "../../kit/scalars.js";
import { CaseScoped } from "../threat-analysis/case-scoped.js";
import { UrlRating } from "../threat.enums.js";

@ObjectType("UrlAnalysis")
@Directive('@key(fields: "id")')
@Entity("url_analyses")
export class UrlAnalysisEntity extends CaseScoped {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 2048 })
  url: string;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 200, nullable: true })
  category: string | null;

  @Field(() => UrlRating)
  @Column({ type: "varchar", length: 16 })
  rating: UrlRating;

  @Field(() => DateTime, { nullable: true })
  @Column({ type: "datetime", precision: 3, nullable: true })
  analyzedAt: Date | null;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;
}
