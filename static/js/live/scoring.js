/**
 * Scoring the holds of an exercise from the tracker's frames (docs/live-feedback.md).
 *
 * Pure: frames from measures.js in, numbers out. An exercise's rule names a target
 * movement and a movement to hold back, each a measure of MEASURES and a side:
 *   {target: {measure, side, reach?}, hold_back: {measure, side, limit?}}
 * side 'affected' is the side named in the patient's record; 'both', or an affected side
 * that is not recorded, holds both sides to the rule (the weaker side must reach the
 * target, neither side may pass the limit).
 */
import { MEASURES } from "./measures.js";

/**
 * Default limits of held-back movement; a therapist sets a patient's own per exercise.
 *
 * eye_narrowing: eyes narrow during a smile by about 22 % of their resting opening in
 * unaffected faces and about 33 % in synkinetic ones (Laryngoscope 2013,
 * doi 10.1002/lary.23778). 0.25 sits above the normal mean and below the synkinetic one:
 * an average unaffected eye stays clean, an average synkinetic eye is flagged.
 * The other limits have no published figure to follow: they are set at about seven
 * times the landmark noise floor (docs/vision.md: 0.3-0.7 mm, against about 90 mm
 * between the outer eye corners), below the 3.9 mm that the mouth corner moves during
 * eye closure in ocular-oral synkinesis (Maximal Static Response Assay, 78 patients);
 * provisional until therapists' settings show better ones.
 */
export const DEFAULT_LIMITS = {
  eye_narrowing: 0.25,
  mouth_corner: 0.03,
  brow_raise: 0.03,
  brow_lower: 0.03,
  lip_pucker: 0.1,
};

/** Default movement that counts as reaching the target (our choice, provisional). */
export const DEFAULT_REACH = {
  eye_narrowing: 0.6, // a gentle closure: lids at least 60 % closed
  mouth_corner: 0.03,
  brow_raise: 0.03,
  brow_lower: 0.03,
  lip_pucker: 0.08,
};

// A held-back movement counts only when it lasts this long, so a blink during a
// smile is not flagged; synkinesis lasts as long as the movement that drives it.
const SUSTAIN_SECONDS = 0.3;

function checkMeasure(name) {
  if (!Object.hasOwn(MEASURES, name)) throw new Error(`unknown measure: ${name}`);
}

/** One number for a rule part from a frame's values: per side, or the worse side. */
function valueFor(values, part, affectedSide, worse) {
  const value = values[part.measure];
  if (!MEASURES[part.measure].perSide) return value.both;
  if (part.side === "affected" && (affectedSide === "left" || affectedSide === "right")) {
    return value[affectedSide];
  }
  return worse(value.left, value.right);
}

/** Largest value held for n consecutive frames. */
function sustainedMax(series, n) {
  let best = -Infinity;
  for (let i = 0; i + n <= series.length; i += 1) {
    best = Math.max(best, Math.min(...series.slice(i, i + n)));
  }
  return best;
}

function mostCommon(items) {
  const counts = new Map();
  for (const item of items) counts.set(item, (counts.get(item) || 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

function limitOf(rule, patientLimit) {
  return patientLimit ?? rule.hold_back.limit ?? DEFAULT_LIMITS[rule.hold_back.measure];
}

/**
 * Live gauge for one frame: the target and held-back values now, and whether the
 * held-back movement is over its limit. null when the frame is not scored.
 */
export function gauge(frame, rule, { affectedSide = null, limit = null } = {}) {
  if (!frame.inGate) return null;
  const result = { target: null, holdBack: null, limit: null, overLimit: false };
  if (rule.target) result.target = valueFor(frame.values, rule.target, affectedSide, Math.min);
  if (rule.hold_back) {
    result.holdBack = valueFor(frame.values, rule.hold_back, affectedSide, Math.max);
    result.limit = limitOf(rule, limit);
    result.overLimit = result.holdBack >= result.limit;
  }
  return result;
}

/**
 * Score one hold. frames: the tracker's outputs during the hold; fps: frames measured
 * per second (sets the sustain window); limit: the patient's own limit, if set.
 * A hold is scored only when at least minFrames frames, and at least half of them, were
 * inside the head-pose gate; otherwise {scored: false, reason}.
 */
export function scoreHold(
  frames,
  rule,
  { affectedSide = null, fps = 0, limit = null, minFrames = 3 } = {},
) {
  if (rule.target) checkMeasure(rule.target.measure);
  if (rule.hold_back) checkMeasure(rule.hold_back.measure);
  const used = frames.filter((f) => f.inGate);
  const counts = { framesScored: used.length, framesSkipped: frames.length - used.length };
  if (used.length < minFrames || used.length < frames.length / 2) {
    const reason = mostCommon(frames.filter((f) => !f.inGate).map((f) => f.reason));
    return { scored: false, reason: reason || "too-few-frames", ...counts };
  }
  const window = Math.max(1, Math.min(used.length, Math.round(SUSTAIN_SECONDS * fps)));
  const result = { scored: true, ...counts, target: null, holdBack: null, clean: null };
  if (rule.target) {
    const series = used.map((f) => valueFor(f.values, rule.target, affectedSide, Math.min));
    const value = sustainedMax(series, window);
    const reach = rule.target.reach ?? DEFAULT_REACH[rule.target.measure];
    result.target = { measure: rule.target.measure, value, reach, reached: value >= reach };
  }
  if (rule.hold_back) {
    const series = used.map((f) => valueFor(f.values, rule.hold_back, affectedSide, Math.max));
    const value = sustainedMax(series, window);
    const max = limitOf(rule, limit);
    result.holdBack = { measure: rule.hold_back.measure, value, limit: max, clean: value < max };
    result.clean = result.holdBack.clean;
  }
  return result;
}

// What the server keeps of a held-back value (retrain/progress/live.py, HOLD_BACK_RANGE;
// tests/web/test_live_exercise_data.py checks that the two agree).
export const HOLD_BACK_MAX = 5;

/**
 * The median held-back value as the session stores it: movement the other way (below
 * 0) is no held-back movement; a value over HOLD_BACK_MAX is a tracking glitch, so the
 * figure is left out ("") rather than refusing the whole session.
 */
export function storedHoldBack(value) {
  if (value === null || !Number.isFinite(value) || value > HOLD_BACK_MAX) return "";
  return Math.round(Math.max(0, value) * 1000) / 1000;
}

function median(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The numbers kept for one exercise of a session (the only ones that leave the phone):
 * reps, reps scored, clean reps, reps reaching the target, the median held-back value
 * over the scored reps, and the frames per second measured.
 */
export function summarise(holds, { fps = null } = {}) {
  const scored = holds.filter((h) => h.scored);
  const heldBack = scored.filter((h) => h.holdBack).map((h) => h.holdBack.value);
  return {
    reps: holds.length,
    repsScored: scored.length,
    cleanReps: scored.filter((h) => h.clean === true).length,
    targetReachedReps: scored.filter((h) => h.target?.reached).length,
    medianHoldBack: median(heldBack),
    fps,
  };
}
