import { Field, ObjectType } from "type-graphql";
import { PageInfo } from "../../kit/pagination.js";
import { CaseEventEntity } from "../case-event/case-event.entity.js";
import { CaseUpdateEntity } from "../case-update/case-update.entity.js";
import type { SnippetValue } from "../search/search-snippet.js";
import { CaseEntity } from "./case.entity.js";

@ObjectType()
export class CaseEdge {
  @Field(() => String) cursor: string;
  @Field(() => CaseEntity) node: CaseEntity;
  /** With filter.search: the page's snippet of this case (search/search.resolver.ts resolves `snippet`). */
  searchSnippet?: () => Promise<SnippetValue | null>;
}

@ObjectType()
export class CaseConnection {
  @Field(() => [CaseEdge]) edges: CaseEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
  /** Counts the filtered cases; run only when a client asks for `totalCount`. */
  countTotal: () => Promise<number>;
}

@ObjectType()
export class CaseUpdateEdge {
  @Field(() => String) cursor: string;
  @Field(() => CaseUpdateEntity) node: CaseUpdateEntity;
}

@ObjectType()
export class CaseUpdateConnection {
  @Field(() => [CaseUpdateEdge]) edges: CaseUpdateEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
  caseId: string;
}

@ObjectType()
export class CaseEventEdge {
  @Field(() => String) cursor: string;
  @Field(() => CaseEventEntity) node: CaseEventEntity;
}

@ObjectType()
export class CaseEventConnection {
  @Field(() => [CaseEventEdge]) edges: CaseEventEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@ObjectType()
export class CasePayload {
  @Field(() => CaseEntity) case: CaseEntity;
}

@ObjectType()
export class AddCaseUpdatePayload {
  @Field(() => CaseEntity) case: CaseEntity;
  @Field(() => CaseUpdateEntity) update: CaseUpdateEntity;
}
