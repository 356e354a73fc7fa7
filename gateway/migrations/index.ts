import { Initial1795641734145 } from "./1795641734145-initial.js";

/** MySQL migrations, oldest first (`npm run migrations -- generate <Name>` adds one). */
export const gatewayMigrations: Function[] = [Initial1795641734145];
