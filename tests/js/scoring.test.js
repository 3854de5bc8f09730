// Scoring of holds (static/js/live/scoring.js) on hand-made frames with known answers.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DEFAULT_LIMITS,
  DEFAULT_REACH,
  gauge,
  HOLD_BACK_MAX,
  scoreHold,
  storedHoldBack,
  summarise,
} from "../../static/js/live/scoring.js";

const SMILE = {
  target: { measure: "mouth_corner", side: "affected" },
  hold_back: { measure: "eye_narrowing", side: "affected" },
};

/** A frame inside the gate; unnamed measures are zero on both sides. */
function frame({ narrowing = [0, 0], corner = [0, 0], pucker = 0 } = {}) {
  const sides = ([right, left]) => ({ right, left });
  return {
    inGate: true,
    reason: null,
    values: {
      eye_narrowing: sides(narrowing),
      mouth_corner: sides(corner),
      brow_raise: sides([0, 0]),
      brow_lower: sides([0, 0]),
      lip_pucker: { both: pucker },
    },
  };
}
const outside = (reason) => ({ inGate: false, reason, values: null });
const repeat = (n, f) => Array.from({ length: n }, f);

test("the affected side is scored when the record names it", () => {
  const frames = repeat(5, () => frame({ narrowing: [0.3, 0.1], corner: [0.05, 0.01] }));
  const right = scoreHold(frames, SMILE, { affectedSide: "right" });
  assert.deepEqual(
    [right.target.value, right.target.reached, right.holdBack.value, right.clean],
    [0.05, true, 0.3, false],
  );
  const left = scoreHold(frames, SMILE, { affectedSide: "left" });
  assert.deepEqual(
    [left.target.value, left.target.reached, left.holdBack.value, left.clean],
    [0.01, false, 0.1, true],
  );
});

test("without a recorded side both sides are held to the rule", () => {
  const frames = repeat(5, () => frame({ narrowing: [0.1, 0.3], corner: [0.05, 0.01] }));
  const result = scoreHold(frames, SMILE, { affectedSide: null });
  assert.equal(result.target.value, 0.01, "the weaker side must reach the target");
  assert.equal(result.holdBack.value, 0.3, "neither side may pass the limit");
  const both = {
    target: { measure: "mouth_corner", side: "both" },
    hold_back: { measure: "eye_narrowing", side: "both" },
  };
  assert.equal(scoreHold(frames, both, { affectedSide: "right" }).holdBack.value, 0.3);
});

test("the patient limit overrides the exercise limit, which overrides the default", () => {
  const frames = repeat(5, () => frame({ narrowing: [0.2, 0] }));
  assert.equal(
    scoreHold(frames, SMILE, { affectedSide: "right" }).holdBack.limit,
    DEFAULT_LIMITS.eye_narrowing,
  );
  assert.equal(scoreHold(frames, SMILE, { affectedSide: "right" }).clean, true);
  const strict = { ...SMILE, hold_back: { ...SMILE.hold_back, limit: 0.15 } };
  assert.equal(scoreHold(frames, strict, { affectedSide: "right" }).clean, false);
  const own = scoreHold(frames, strict, { affectedSide: "right", limit: 0.22 });
  assert.deepEqual([own.holdBack.limit, own.clean], [0.22, true]);
  assert.equal(
    scoreHold(
      repeat(5, () => frame({ narrowing: [0.22, 0] })),
      strict,
      { affectedSide: "right", limit: 0.22 },
    ).clean,
    false,
    "at the limit is not under it",
  );
});

test("reach comes from the exercise or the default", () => {
  const frames = repeat(5, () => frame({ pucker: 0.06 }));
  const pucker = { target: { measure: "lip_pucker", side: "both" }, hold_back: null };
  const result = scoreHold(frames, pucker, {});
  assert.deepEqual(
    [result.target.reach, result.target.reached, result.holdBack, result.clean],
    [DEFAULT_REACH.lip_pucker, false, null, null],
  );
  const gentle = { target: { measure: "lip_pucker", side: "both", reach: 0.05 }, hold_back: null };
  assert.equal(scoreHold(frames, gentle, {}).target.reached, true);
});

test("a hold is not scored with too few frames inside the gate", () => {
  assert.deepEqual(
    scoreHold(
      repeat(2, () => frame()),
      SMILE,
      {},
    ),
    { scored: false, reason: "too-few-frames", framesScored: 2, framesSkipped: 0 },
  );
  const turned = [
    ...repeat(3, () => frame()),
    ...repeat(3, () => outside("turned")),
    outside("no-face"),
  ];
  assert.deepEqual(scoreHold(turned, SMILE, {}), {
    scored: false,
    reason: "turned",
    framesScored: 3,
    framesSkipped: 4,
  });
  const mostlyIn = [...repeat(4, () => frame({ narrowing: [0.4, 0] })), outside("turned")];
  const result = scoreHold(mostlyIn, SMILE, { affectedSide: "right" });
  assert.deepEqual(
    [result.scored, result.framesScored, result.framesSkipped, result.clean],
    [true, 4, 1, false],
  );
});

test("a held-back movement must last 0.3 s to count", () => {
  const frames = [
    ...repeat(4, () => frame()),
    ...repeat(2, () => frame({ narrowing: [0.9, 0] })), // a blink: 2 frames at 10 fps
    ...repeat(4, () => frame({ narrowing: [0.1, 0] })),
  ];
  assert.equal(scoreHold(frames, SMILE, { affectedSide: "right", fps: 10 }).holdBack.value, 0.1);
  assert.equal(
    scoreHold(frames, SMILE, { affectedSide: "right", fps: 5 }).holdBack.value,
    0.9,
    "at 5 fps two frames are 0.4 s",
  );
  assert.equal(
    scoreHold(frames, SMILE, { affectedSide: "right" }).holdBack.value,
    0.9,
    "fps unknown: every frame counts",
  );
});

test("the gauge shows the values now and whether the limit is crossed", () => {
  assert.deepEqual(
    gauge(frame({ narrowing: [0.3, 0], corner: [0.02, 0] }), SMILE, { affectedSide: "right" }),
    { target: 0.02, holdBack: 0.3, limit: 0.25, overLimit: true },
  );
  assert.equal(
    gauge(frame({ narrowing: [0.3, 0] }), SMILE, { affectedSide: "right", limit: 0.35 }).overLimit,
    false,
  );
  assert.equal(gauge(outside("turned"), SMILE, {}), null);
});

test("an unknown measure is a programming error", () => {
  const rule = { target: { measure: "nose_wrinkle", side: "both" }, hold_back: null };
  assert.throws(
    () =>
      scoreHold(
        repeat(3, () => frame()),
        rule,
        {},
      ),
    /unknown measure: nose_wrinkle/,
  );
});

test("the summary counts clean and reached reps and takes the median held-back value", () => {
  const hold = (narrowing, corner) =>
    scoreHold(
      repeat(3, () => frame({ narrowing: [narrowing, 0], corner: [corner, 0] })),
      SMILE,
      { affectedSide: "right" },
    );
  const holds = [hold(0.1, 0.05), hold(0.3, 0.05), hold(0.2, 0.01), scoreHold([], SMILE, {})];
  assert.deepEqual(summarise(holds, { fps: 14.5 }), {
    reps: 4,
    repsScored: 3,
    cleanReps: 2,
    targetReachedReps: 2,
    medianHoldBack: 0.2,
    fps: 14.5,
  });
  assert.equal(
    summarise(holds.slice(0, 2)).medianHoldBack,
    0.2,
    "even count: mean of the middle two",
  );
  assert.deepEqual(summarise([]), {
    reps: 0,
    repsScored: 0,
    cleanReps: 0,
    targetReachedReps: 0,
    medianHoldBack: null,
    fps: null,
  });
});

test("a held-back value is stored within what the server keeps, never refusing the session", () => {
  assert.equal(storedHoldBack(0.12345), 0.123);
  assert.equal(storedHoldBack(-0.04), 0); // the other way: no held-back movement
  assert.equal(storedHoldBack(HOLD_BACK_MAX), HOLD_BACK_MAX);
  assert.equal(storedHoldBack(HOLD_BACK_MAX + 0.001), ""); // a glitch: left out
  assert.equal(storedHoldBack(null), "");
  assert.equal(storedHoldBack(Number.NaN), "");
  assert.equal(storedHoldBack(Infinity), "");
});
