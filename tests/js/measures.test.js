// The measures of static/js/live/measures.js on sequences made from a real face.
import assert from "node:assert/strict";
import { test } from "node:test";

import { calibrate, createTracker } from "../../static/js/live/measures.js";
import { scoreHold } from "../../static/js/live/scoring.js";
import {
  REST,
  mirror,
  moveMouthCorner,
  narrowEye,
  pucker,
  raiseBrow,
  sequence,
  smileWithNarrowing,
  tiltHead,
  turnHead,
} from "./sequences.js";

const SMILE_RULE = {
  target: { measure: "mouth_corner", side: "affected" },
  hold_back: { measure: "eye_narrowing", side: "affected" },
};

/**
 * Calibrate on a second (30 frames) of the still face, jittered by `pixels`, then track
 * `frames`. mirroredImage: the camera image is mirrored; mirrored: the tracker is told so.
 */
function track(
  frames,
  { mirrored = false, mirroredImage = mirrored, noiseFactor, seed = 7, pixels = 0.3 } = {},
) {
  const rest = sequence(30, () => (mirroredImage ? mirror(REST) : REST), { seed, pixels });
  const outcome = calibrate(rest, { mirrored });
  assert.ok(outcome.ok, outcome.reason);
  const tracker = createTracker(
    outcome.calibration,
    noiseFactor === undefined ? {} : { noiseFactor },
  );
  return frames.map((landmarks) => tracker.measure(landmarks));
}

const SIDES = ["right", "left"];
const PICKS = {
  eye_narrowing: SIDES.map((side) => (v) => v.eye_narrowing[side]),
  mouth_corner: SIDES.map((side) => (v) => v.mouth_corner[side]),
  brow_raise: SIDES.map((side) => (v) => v.brow_raise[side]),
  lip_pucker: [(v) => v.lip_pucker.both],
};
// Below the default limits (25 % narrowing, 0.03 eye distances, 10 % pucker) in every
// single frame: what "no movement" allows of noise that passes the floor.
const STILL = { eye_narrowing: 0.15, mouth_corner: 0.025, brow_raise: 0.015, lip_pucker: 0.04 };

const largest = (frames, pick) => Math.max(...frames.map((f) => Math.abs(pick(f.values))));
const zeroShare = (frames, pick) =>
  frames.filter((f) => pick(f.values) === 0).length / frames.length;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The value once the movement has settled: median of the last 15 frames. */
const settled = (frames, pick) => median(frames.slice(-15).map((f) => pick(f.values)));

/** No movement: most frames read exactly zero (the floor is a 2-SD band), none reaches a limit. */
function assertStill(frames) {
  assert.ok(frames.every((f) => f.inGate));
  for (const [measure, picks] of Object.entries(PICKS)) {
    for (const pick of picks) {
      assert.ok(
        zeroShare(frames, pick) >= 0.5,
        `${measure}: ${zeroShare(frames, pick)} of frames at zero`,
      );
      assert.ok(largest(frames, pick) < STILL[measure], `${measure}: ${largest(frames, pick)}`);
    }
  }
}

test("a still face gives no movement", () => {
  const frames = track(sequence(60, () => REST, { seed: 11 }));
  assertStill(frames);
  const result = scoreHold(frames, SMILE_RULE, { affectedSide: "right", fps: 30 });
  assert.equal(result.target.reached, false);
  assert.equal(result.clean, true);
  assert.ok(result.holdBack.value < 0.05);
});

test("the calibration noise floor ignores jitter that would otherwise look like movement", () => {
  const still = sequence(60, () => REST, { pixels: 0.5, seed: 12 }); // 6 % of the eye opening
  const withFloor = track(still, { seed: 13, pixels: 0.5 });
  const withoutFloor = track(still, { seed: 13, pixels: 0.5, noiseFactor: 0 });
  for (const pick of Object.values(PICKS).flat()) {
    assert.ok(zeroShare(withFloor, pick) >= 0.5, `with the floor: ${zeroShare(withFloor, pick)}`);
    assert.equal(zeroShare(withoutFloor, pick), 0, "without the floor every frame shows movement");
  }
  const result = scoreHold(withFloor, SMILE_RULE, { affectedSide: "right", fps: 30 });
  assert.equal(result.holdBack.value, 0, "no sustained narrowing");
  assert.equal(result.target.reached, false);
});

test("a smile with 35 % eye narrowing on the affected side is flagged", () => {
  const frames = track(sequence(45, smileWithNarrowing("right", 0.35)));
  const result = scoreHold(frames, SMILE_RULE, { affectedSide: "right", fps: 30 });
  assert.equal(result.scored, true);
  assert.equal(result.target.reached, true);
  assert.ok(result.holdBack.value > 0.3 && result.holdBack.value < 0.4, `${result.holdBack.value}`);
  assert.equal(result.clean, false);
  assert.equal(
    settled(frames, (v) => v.eye_narrowing.left),
    0,
    "the other eye did not move",
  );
});

test("a smile with 10 % eye narrowing on the affected side is clean", () => {
  const frames = track(sequence(45, smileWithNarrowing("right", 0.1)));
  const result = scoreHold(frames, SMILE_RULE, { affectedSide: "right", fps: 30 });
  assert.equal(result.scored, true);
  assert.equal(result.target.reached, true);
  assert.ok(
    result.holdBack.value > 0.05 && result.holdBack.value < 0.15,
    `${result.holdBack.value}`,
  );
  assert.equal(result.clean, true);
});

test("narrowing on the other side is not charged to the affected side", () => {
  const frames = track(sequence(45, smileWithNarrowing("left", 0.35)));
  assert.equal(scoreHold(frames, SMILE_RULE, { affectedSide: "right", fps: 30 }).clean, true);
  assert.equal(scoreHold(frames, SMILE_RULE, { affectedSide: "left", fps: 30 }).clean, false);
  assert.equal(
    scoreHold(frames, SMILE_RULE, { affectedSide: null, fps: 30 }).clean,
    false,
    "side unknown: both sides count",
  );
});

test("a head turned beyond the gate is not scored", () => {
  const turned = (t) => turnHead(smileWithNarrowing("right", 0.35)(t), 20);
  const frames = track(sequence(45, turned));
  assert.ok(frames.every((f) => !f.inGate && f.reason === "turned" && f.values === null));
  const result = scoreHold(frames, SMILE_RULE, { affectedSide: "right", fps: 30 });
  assert.equal(result.scored, false);
  assert.equal(result.reason, "turned");
});

test("a small head turn stays inside the gate and is scored", () => {
  const frames = track(sequence(45, (t) => turnHead(smileWithNarrowing("right", 0.35)(t), 4)));
  assert.ok(frames.every((f) => f.inGate));
  assert.equal(scoreHold(frames, SMILE_RULE, { affectedSide: "right", fps: 30 }).clean, false);
});

test("a tilted head gives no movement within the gate and is not scored beyond it", () => {
  assertStill(track(sequence(60, () => tiltHead(REST, 5), { seed: 3 })));
  const far = track(sequence(10, () => tiltHead(REST, 15)));
  assert.ok(far.every((f) => f.reason === "tilted"));
});

test("a mirrored image names the sides of the subject, not of the image", () => {
  const smile = smileWithNarrowing("right", 0.35);
  const mirrored = sequence(45, (t) => mirror(smile(t)));
  const frames = track(mirrored, { mirrored: true });
  assert.ok(settled(frames, (v) => v.eye_narrowing.right) > 0.3);
  assert.equal(
    settled(frames, (v) => v.eye_narrowing.left),
    0,
  );
  assert.ok(settled(frames, (v) => v.mouth_corner.right) > 0.06);
  assert.equal(
    settled(frames, (v) => v.mouth_corner.left),
    0,
  );
  // The same mirrored frames taken for a true view: the sides swap.
  const unaware = track(mirrored, { mirroredImage: true, mirrored: false });
  assert.ok(settled(unaware, (v) => v.eye_narrowing.left) > 0.3);
  assert.equal(
    settled(unaware, (v) => v.eye_narrowing.right),
    0,
  );
});

test("brow raise, brow lowering and pucker move their own measures", () => {
  const raised = track(sequence(30, () => raiseBrow(REST, "left", 0.05)));
  const raise = settled(raised, (v) => v.brow_raise.left);
  assert.ok(raise > 0.04 && raise < 0.06, `${raise}`);
  assert.ok(settled(raised, (v) => v.brow_lower.left) < -0.04);
  assert.equal(
    settled(raised, (v) => v.brow_raise.right),
    0,
  );
  const lowered = track(sequence(30, () => raiseBrow(REST, "right", -0.04)));
  assert.ok(settled(lowered, (v) => v.brow_lower.right) > 0.03);
  const puckered = settled(track(sequence(30, () => pucker(REST, 0.15))), (v) => v.lip_pucker.both);
  assert.ok(puckered > 0.13 && puckered < 0.17, `${puckered}`);
});

test("a blink during a clean smile is not flagged, a sustained narrowing is", () => {
  const smile = (t) => moveMouthCorner(REST, "right", 0.08 * Math.min(1, t * 5));
  const blink = (t) => (t > 0.5 && t < 0.55 ? narrowEye(smile(t), "right", 0.9) : smile(t));
  const frames = track(sequence(45, blink)); // the blink lasts 2 frames of 45 at 30 fps
  assert.equal(scoreHold(frames, SMILE_RULE, { affectedSide: "right", fps: 30 }).clean, true);
  const squint = (t) => (t > 0.5 ? narrowEye(smile(t), "right", 0.5) : smile(t));
  assert.equal(
    scoreHold(track(sequence(45, squint)), SMILE_RULE, { affectedSide: "right", fps: 30 }).clean,
    false,
  );
});

test("calibration needs enough frames with a face, and a still head", () => {
  const few = calibrate([...sequence(3, () => REST), null, null, [], REST.slice(0, 100)]);
  assert.deepEqual(few, { ok: false, reason: "too-few-frames" });
  const moving = sequence(30, (t) => turnHead(REST, t * 25));
  assert.deepEqual(calibrate(moving), { ok: false, reason: "moved" });
  const still = calibrate(sequence(30, () => REST));
  assert.equal(still.ok, true);
  assert.equal(still.calibration.frames, 30);
});

test("frames without a face are not scored and restart the smoothing", () => {
  const frames = track([null, REST.slice(0, 10), ...sequence(5, () => REST)]);
  assert.deepEqual(
    frames.slice(0, 2).map((f) => f.reason),
    ["no-face", "no-face"],
  );
  assert.ok(frames.slice(2).every((f) => f.inGate));
});
