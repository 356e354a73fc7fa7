/** The time a service reads as "now": tests pass a clock they move, production the system's. */
export type Clock = () => Date;

/** The system's clock. */
export const systemClock: Clock = () => new Date();
