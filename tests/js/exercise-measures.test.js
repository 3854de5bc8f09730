// The proposed live-feedback fields cover every built-in exercise, with valid measures.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { MEASURES } from "../../static/js/live/measures.js";

const read = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8"));
const library = read("../../retrain/data/exercises.json");
const proposal = read("../../static/js/live/exercise-measures.json");

test("every built-in exercise has an entry, and nothing else does", () => {
  const slugs = library.exercises.map((e) => e.slug).sort();
  assert.equal(slugs.length, 19);
  assert.deepEqual(Object.keys(proposal.exercises).sort(), slugs);
});

test("each target and held-back movement names a known measure, side and amount", () => {
  for (const [slug, entry] of Object.entries(proposal.exercises)) {
    assert.deepEqual(Object.keys(entry).sort(), ["hold_back", "target", "why"], slug);
    assert.ok(entry.why.length > 10, slug);
    for (const [part, amount] of [
      ["target", "reach"],
      ["hold_back", "limit"],
    ]) {
      const rule = entry[part];
      if (rule === null) continue;
      assert.ok(Object.hasOwn(MEASURES, rule.measure), `${slug}: ${rule.measure}`);
      assert.ok(["affected", "both"].includes(rule.side), `${slug}: ${rule.side}`);
      const extra = Object.keys(rule).filter((k) => !["measure", "side", amount].includes(k));
      assert.deepEqual(extra, [], slug);
      if (amount in rule) assert.ok(rule[amount] > 0 && rule[amount] < 1, slug);
    }
  }
});

test("hands-on exercises are not measured, movement exercises are", () => {
  for (const exercise of library.exercises) {
    const entry = proposal.exercises[exercise.slug];
    const handsOn = /massage|stretch|fingertips|thumb/i.test(exercise.instructions.join(" "));
    if (handsOn && exercise.slug !== "smile-with-quiet-neck") {
      assert.deepEqual([entry.target, entry.hold_back], [null, null], exercise.slug);
    } else {
      assert.ok(entry.target || entry.hold_back, exercise.slug);
    }
  }
});
