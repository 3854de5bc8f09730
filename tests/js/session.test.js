// A live session (static/js/live/session.js): calibration, holds, summary, frame rate.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createRateMeter, createSession } from "../../static/js/live/session.js";
import { REST, sequence, smileWithNarrowing, turnHead } from "./sequences.js";

const SMILE = {
  target: { measure: "mouth_corner", side: "affected" },
  hold_back: { measure: "eye_narrowing", side: "affected" },
};
const FRAME_MS = 1000 / 15;

/** Feeds frames at 15 fps from `startMs`; returns the time after the last one. */
function feed(session, frames, startMs = 0) {
  frames.forEach((landmarks, k) => session.addFrame(landmarks, startMs + k * FRAME_MS));
  return startMs + frames.length * FRAME_MS;
}

test("calibration takes a second of frames at rest, then measuring starts", () => {
  const session = createSession({ affectedSide: "right" });
  const end = feed(
    session,
    sequence(15, () => REST),
  ); // 0 .. 933 ms
  assert.equal(session.state, "calibrating");
  const step = session.addFrame(REST, end);
  assert.equal(step.state, "measuring");
  assert.equal(session.problem, null);
  assert.equal(session.addFrame(REST, end + FRAME_MS).frame.inGate, true);
});

test("frames without a face do not count towards calibration", () => {
  const session = createSession();
  feed(session, [...Array(20).fill(null), ...sequence(4, () => REST)]);
  assert.equal(session.state, "calibrating", "four faces are too few");
  session.addFrame(REST, 2000);
  assert.equal(session.state, "measuring");
});

test("a phone measuring under 2 frames a second still calibrates, on its last 5 faces", () => {
  // Below minCalibrationFrames in two seconds: the frames kept must not run out.
  const session = createSession();
  const slow = 700; // ms per frame, about 1.4 frames a second
  sequence(4, () => REST).forEach((landmarks, k) => session.addFrame(landmarks, k * slow));
  assert.equal(session.state, "calibrating", "four faces are too few");
  session.addFrame(REST, 4 * slow);
  assert.equal(session.state, "measuring");
  assert.equal(session.problem, null);
});

test("a head that turns during calibration starts it again", () => {
  const session = createSession();
  const end = feed(
    session,
    sequence(16, (t) => turnHead(REST, 30 * t)),
  );
  assert.equal(session.state, "calibrating");
  assert.equal(session.problem, "moved");
  feed(
    session,
    sequence(16, () => REST),
    end,
  );
  assert.equal(session.state, "measuring");
  assert.equal(session.problem, null);
});

test("holds are scored and summed up per exercise", () => {
  const session = createSession({ affectedSide: "right" });
  let time = feed(
    session,
    sequence(16, () => REST),
  );
  const hold = (exercise, make, seed) => {
    session.startHold(exercise, SMILE);
    time = feed(session, sequence(30, make, { seed }), time);
    const result = session.endHold();
    time = feed(
      session,
      sequence(8, () => REST, { seed }),
      time,
    );
    return result;
  };
  const flagged = hold("closed-lip-smile", smileWithNarrowing("right", 0.35), 2);
  assert.deepEqual([flagged.scored, flagged.target.reached, flagged.clean], [true, true, false]);
  const clean = hold("closed-lip-smile", smileWithNarrowing("right", 0.1), 3);
  assert.deepEqual([clean.scored, clean.clean], [true, true]);
  hold("open-smile-eyes-open", smileWithNarrowing("right", 0.1), 4);
  const summary = session.summary();
  assert.deepEqual(Object.keys(summary), ["closed-lip-smile", "open-smile-eyes-open"]);
  assert.deepEqual(
    [
      summary["closed-lip-smile"].reps,
      summary["closed-lip-smile"].cleanReps,
      summary["closed-lip-smile"].targetReachedReps,
    ],
    [2, 1, 2],
  );
  assert.equal(summary["open-smile-eyes-open"].cleanReps, 1);
  assert.equal(summary["closed-lip-smile"].fps, 15);
});

test("a hold before calibration ends is kept but not scored", () => {
  const session = createSession();
  session.startHold("closed-lip-smile", SMILE);
  feed(
    session,
    sequence(5, () => REST),
  );
  assert.deepEqual(session.endHold(), {
    scored: false,
    reason: "not-calibrated",
    framesScored: 0,
    framesSkipped: 0,
  });
  assert.equal(session.endHold(), null, "no hold open");
  assert.equal(session.summary()["closed-lip-smile"].repsScored, 0);
});

test("the rate meter gives frames per second now and on average", () => {
  const rate = createRateMeter(2000);
  assert.equal(rate.fps, null);
  for (let t = 0; t <= 3000; t += 100) rate.tick(t); // 10 fps for 3 s
  for (let t = 3200; t <= 6000; t += 200) rate.tick(t); // then 5 fps for 3 s
  assert.equal(rate.fps, 5);
  assert.ok(Math.abs(rate.averageFps - 45 / 6) < 1e-9);
});
