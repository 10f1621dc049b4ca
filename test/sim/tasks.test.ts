import { describe, expect, it } from "vitest";
import { findInput } from "../../src/sim/inputs.js";
import { generateTask, SIM_TASKS, TASKS, UnknownTaskError } from "../../src/sim/tasks.js";
import { understand } from "../../src/sim/rules.js";

describe("task generator", () => {
  it("is reproducible from the seed and differs across seeds", () => {
    for (const name of Object.keys(TASKS)) {
      expect(generateTask(name, { seed: 1, n: 30 })).toEqual(generateTask(name, { seed: 1, n: 30 }));
      expect(generateTask(name, { seed: 2, n: 30 }).map((s) => s.x)).not.toEqual(generateTask(name, { seed: 1, n: 30 }).map((s) => s.x));
    }
  });

  it("balances the labels and gives unique ids", () => {
    for (const [name, info] of Object.entries(TASKS)) {
      const samples = generateTask(name, { seed: 4, n: 41 });
      expect(samples).toHaveLength(41);
      expect(new Set(samples.map((s) => s.id)).size).toBe(41);
      for (const label of info.labels) {
        const count = samples.filter((s) => s.y === label).length;
        expect(Math.abs(count - 41 / info.labels.length)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("writes inputs the world can read back, with the same label", () => {
    for (const name of Object.keys(TASKS)) {
      for (const s of generateTask(name, { seed: 9, n: 40 })) {
        const found = findInput(`Some instruction.\n\n${s.x}\n\nAnswer:`);
        expect(found?.task.info.name).toBe(name);
        expect(found!.task.label(found!.facts)).toBe(s.y);
      }
    }
  });

  it("recognises every rule it states, and only that rule", () => {
    for (const task of Object.values(SIM_TASKS)) {
      for (const rule of [...task.rules, ...task.misleading]) {
        for (const text of [rule.statement, rule.short]) {
          const seen = understand(task, text);
          expect([...seen.rules, ...seen.misleading].map((r) => r.id)).toEqual([rule.id]);
        }
      }
      expect(understand(task, task.format.statement).format).toBe(true);
      expect(understand(task, task.format.short).format).toBe(true);
      expect(understand(task, task.header)).toEqual({ rules: [], misleading: [], format: false });
    }
  });

  it("names an unknown task", () => {
    expect(() => generateTask("chess", { seed: 1, n: 1 })).toThrow(UnknownTaskError);
  });
});
