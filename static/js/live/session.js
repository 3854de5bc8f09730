/**
 * One live-feedback session: calibrate at rest, then measure every frame, score each
 * hold, and sum up per exercise (docs/live-feedback.md).
 *
 * Pure: the caller (the player, through face-tracker.js) passes each frame's landmarks,
 * or null when no face was found, with its time in milliseconds.
 */
import { calibrate, createTracker } from "./measures.js";
import { gauge, scoreHold, summarise } from "./scoring.js";

export const CALIBRATION_MS = 1000;
const RATE_WINDOW_MS = 2000;

/** Frames per second: now (over the last two seconds) and on average since the start. */
export function createRateMeter(windowMs = RATE_WINDOW_MS) {
  const times = [];
  let first = null;
  let count = 0;
  const perSecond = (frames, from, to) =>
    frames > 1 && to > from ? ((frames - 1) * 1000) / (to - from) : null;
  return {
    tick(timeMs) {
      if (first === null) first = timeMs;
      count += 1;
      times.push(timeMs);
      while (times.length > 2 && timeMs - times[0] > windowMs) times.shift();
    },
    get fps() {
      return perSecond(times.length, times[0], times[times.length - 1]);
    },
    get averageFps() {
      return perSecond(count, first, times[times.length - 1]);
    },
  };
}

/**
 * state: 'calibrating' until CALIBRATION_MS of frames at rest with at least
 * minCalibrationFrames faces have been seen; then 'measuring'. If the head moved
 * during calibration it starts again, and `problem` says why ('moved').
 */
export function createSession({
  mirrored = false,
  affectedSide = null,
  calibrationMs = CALIBRATION_MS,
  minCalibrationFrames = 5,
} = {}) {
  const rate = createRateMeter();
  const results = new Map(); // exercise -> hold results, in order
  let calibrationFrames = [];
  let calibrationStart = null;
  let tracker = null;
  let problem = null;
  let hold = null;

  // The faces of the last two calibration spans (older ones may no longer be the face at
  // rest), and never fewer than minCalibrationFrames: a phone too slow to see that many
  // in two spans calibrates on its last ones instead of never.
  function calibrateWith(landmarks, timeMs) {
    if (calibrationStart === null) calibrationStart = timeMs;
    if (landmarks) calibrationFrames.push({ landmarks, timeMs });
    const recent = calibrationFrames.filter((f) => timeMs - f.timeMs <= 2 * calibrationMs);
    calibrationFrames =
      recent.length >= minCalibrationFrames
        ? recent
        : calibrationFrames.slice(-minCalibrationFrames);
    if (timeMs - calibrationStart < calibrationMs) return;
    const frames = calibrationFrames.map((f) => f.landmarks);
    const outcome = calibrate(frames, { mirrored, minFrames: minCalibrationFrames });
    if (outcome.ok) {
      tracker = createTracker(outcome.calibration);
      problem = null;
    } else if (outcome.reason === "moved") {
      calibrationFrames = [];
      calibrationStart = null;
      problem = "moved";
    }
  }

  return {
    get state() {
      return tracker ? "measuring" : "calibrating";
    },
    get problem() {
      return problem;
    },
    get fps() {
      return rate.fps;
    },

    /** One frame; returns the tracker's frame and the gauge of the current hold. */
    addFrame(landmarks, timeMs) {
      rate.tick(timeMs);
      if (!tracker) {
        calibrateWith(landmarks, timeMs);
        return { state: this.state, frame: null, gauge: null };
      }
      const frame = tracker.measure(landmarks);
      if (!hold) return { state: "measuring", frame, gauge: null };
      hold.frames.push(frame);
      return {
        state: "measuring",
        frame,
        gauge: gauge(frame, hold.rule, { affectedSide, limit: hold.limit }),
      };
    },

    /** A hold of `exercise` begins; `limit` is the patient's own limit, if set. */
    startHold(exercise, rule, { limit = null } = {}) {
      hold = { exercise, rule, limit, frames: [] };
    },

    /** The hold ends: its score, also kept for the exercise's summary. */
    endHold() {
      if (!hold) return null;
      const { exercise, rule, limit, frames } = hold;
      hold = null;
      const result = tracker
        ? scoreHold(frames, rule, { affectedSide, fps: rate.fps ?? 0, limit })
        : {
            scored: false,
            reason: "not-calibrated",
            framesScored: 0,
            framesSkipped: frames.length,
          };
      if (!results.has(exercise)) results.set(exercise, []);
      results.get(exercise).push(result);
      return result;
    },

    /** Per exercise: the numbers that are saved with the session. */
    summary() {
      const fps = rate.averageFps === null ? null : Math.round(rate.averageFps * 10) / 10;
      return Object.fromEntries(
        [...results].map(([exercise, holds]) => [exercise, summarise(holds, { fps })]),
      );
    },
  };
}
