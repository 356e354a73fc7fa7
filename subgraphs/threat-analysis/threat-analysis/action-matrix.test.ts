import { describe, expect, it } from "vitest";
import { ATTK_ACTION_TABLE, FILE_ACTION_TABLE, THREAT_CATEGORIES } from "../../../test/support/threat-action-table.js";
import { AttkAction, FileAction, FileVerdict, ThreatCategory } from "../threat.enums.js";
import { ACTIONS_NEEDING_A_REASON, availableAttkActions, availableFileActions } from "./action-matrix.js";

describe("the action matrix (docs/domain.md, threat cases, rule 9)", () => {
  it("is checked against a hand-written table covering every verdict, category and action", () => {
    expect(FILE_ACTION_TABLE).toHaveLength(Object.values(FileVerdict).length * Object.values(ThreatCategory).length * Object.values(FileAction).length);
    expect(ATTK_ACTION_TABLE).toHaveLength(2 * Object.values(ThreatCategory).length * Object.values(AttkAction).length);
    expect(new Set(THREAT_CATEGORIES)).toEqual(new Set(Object.values(ThreatCategory)));
  });

  it.each(FILE_ACTION_TABLE)("file $row on $category: $action offered = $offered", ({ row, category, action, offered }) => {
    expect(availableFileActions(row as FileVerdict, category as ThreatCategory).includes(action as FileAction)).toBe(offered);
  });

  it.each(ATTK_ACTION_TABLE)("ATTK $row on $category: $action offered = $offered", ({ row, category, action, offered }) => {
    expect(availableAttkActions(row === "collected", category as ThreatCategory).includes(action as AttkAction)).toBe(offered);
  });

  it("offers each action at most once", () => {
    for (const verdict of Object.values(FileVerdict))
      for (const category of Object.values(ThreatCategory)) {
        const actions = availableFileActions(verdict, category);
        expect(new Set(actions).size).toBe(actions.length);
      }
  });

  it("requires a reason comment for ATTK log re-analysis only", () => {
    expect([...ACTIONS_NEEDING_A_REASON]).toEqual([AttkAction.REQUEST_LOG_REANALYSIS]);
  });
});
