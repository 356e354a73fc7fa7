import { DateTimeResolver } from "graphql-scalars";

/** ISO-8601 UTC timestamps, as the contract's `DateTime`. */
export const DateTime = DateTimeResolver;
