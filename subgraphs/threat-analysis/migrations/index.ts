import type { MigrationInterface } from "typeorm";
import { Initial1795641734130 } from "./1795641734130-initial.js";
import { AttkAnalyzedAt1795642688084 } from "./1795642688084-attkAnalyzedAt.js";

/** MySQL migrations, oldest first (`npm run migrations -- generate <Name>` adds one). */
export const threatsMigrations: (new () => MigrationInterface)[] = [Initial1795641734130, AttkAnalyzedAt1795642688084];
