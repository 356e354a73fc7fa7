import { Field, ObjectType } from "type-graphql";
import { badInput } from "./errors.js";

/**
 * The languages the portal speaks: every word a client or an e-mail shows exists in each. The
 * `Vocabulary` entity of the graph is keyed by one of these; each subgraph contributes the words of
 * the enums it owns.
 */
export const LOCALES = ["ja", "en"] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** The locale a client asked for, or BAD_USER_INPUT naming `field` and the known locales. */
export function requireLocale(value: string, field = "locale"): Locale {
  if (!isLocale(value)) throw badInput(field, `Unknown locale "${value.slice(0, 20)}": use one of ${LOCALES.join(", ")}`);
  return value;
}

/** A word for one enum value: its label, and the portal's explanation where it gives one. */
export interface Word {
  label: string;
  description?: string;
}

/** The shape of a vocabulary entry of one enum: the value, its label and the portal's explanation where it has one. */
export interface EnumTerm<V extends string> {
  value: V;
  label: string;
  description: string | null;
}

/** The entries of one enum, in its declaration order (the order clients list them in). */
export function enumTerms<V extends string>(values: Record<string, V>, words: Record<V, Word | string>): EnumTerm<V>[] {
  return Object.values(values).map((value) => {
    const word = words[value];
    return typeof word === "string" ? { value, label: word, description: null } : { value, label: word.label, description: word.description ?? null };
  });
}

/** The labels alone, by value (what an e-mail template looks a value up in). */
export function labelsOf<V extends string>(words: Record<V, Word | string>): Record<V, string> {
  return Object.fromEntries(Object.entries<Word | string>(words).map(([value, word]) => [value, typeof word === "string" ? word : word.label])) as Record<V, string>;
}

/**
 * A GraphQL object type `<name>` for the entries of one enum: `value` typed as that enum (registered
 * with type-graphql beforehand), `label`, `description`. Each call declares one type: call it once per
 * enum, at module level.
 */
export function enumTermType<V extends string>(name: string, values: object, what: string): new () => EnumTerm<V> {
  @ObjectType(name, { description: `The words for one ${what}, in the vocabulary's locale.` })
  class Term implements EnumTerm<V> {
    @Field(() => values) value: V;
    @Field(() => String) label: string;
    @Field(() => String, { nullable: true, description: "The portal's explanation of the value, where it gives one." }) description: string | null;
  }
  return Term;
}
