import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { SnippetField } from "./search-snippet.js";

registerEnumType(SnippetField, {
  name: "CaseSearchField",
  description: "Where a search snippet was cut from.",
  valuesConfig: {
    TITLE: { description: "The case's title." },
    DESCRIPTION: { description: "The case's description." },
    UPDATE: { description: "The body of one of its updates (updateId)." },
    FILE_NAME: { description: "The name of a file attached to it." },
    ANALYSIS_RESULT: { description: "A detection name or URL of its analysis results." },
  },
});

@ObjectType({ description: "A piece of a snippet's text; the pieces in order are the text. matched: it is one of the searched words (show it highlighted)." })
export class SnippetSegment {
  @Field(() => String) text: string;
  @Field(() => Boolean) matched: boolean;
}

@ObjectType({
  description:
    "Why a case matched a search: an excerpt of its title, description or one update (else a file name or analysis result), as plain-text segments, the searched words marked. Render each segment as text (never as HTML), the matched ones highlighted.",
})
export class CaseSearchSnippet {
  @Field(() => SnippetField) field: SnippetField;
  @Field(() => ID, { nullable: true, description: "The update the excerpt comes from (field UPDATE)." }) updateId: string | null;
  @Field(() => [SnippetSegment]) segments: SnippetSegment[];
}
