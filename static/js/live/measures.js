/**
 * Face measures for live feedback, from MediaPipe Face Mesh landmarks (docs/live-feedback.md).
 *
 * Pure functions: no DOM, no camera, nothing leaves the caller. Landmarks are arrays of
 * {x, y, z} in image pixels (x right, y down). Every measure is a change against the
 * patient's own calibration at rest, never an absolute value or a grade: the landmark
 * model understates movement (docs/vision.md), so only change is meaningful.
 */

// Indices as the model names them. "right" is the right of the face the model sees,
// which in a true (unmirrored) camera image is the subject's right, on the image's left.
const MODEL_SIDES = {
  right: {
    eyeOuter: 33,
    eyeInner: 133,
    upperLid: [160, 159, 158],
    lowerLid: [144, 145, 153],
    mouthCorner: 61,
    brow: [63, 105, 66],
  },
  left: {
    eyeOuter: 263,
    eyeInner: 362,
    upperLid: [387, 386, 385],
    lowerLid: [373, 374, 380],
    mouthCorner: 291,
    brow: [293, 334, 296],
  },
};
const NOSE_TIP = 1;
const LANDMARK_COUNT = 468; // 478 with refined irises; the measures need the first 468

/** Every landmark the measures read: the noise floor is kept for each of them. */
export const TRACKED = [
  NOSE_TIP,
  ...Object.values(MODEL_SIDES).flatMap((side) => Object.values(side).flat()),
];

/** The movements an exercise may name as its target or its held-back movement. */
export const MEASURES = {
  eye_narrowing: { perSide: true, unit: "fraction of the eye opening at rest" },
  mouth_corner: { perSide: true, unit: "eye-corner distances moved" },
  brow_raise: { perSide: true, unit: "eye-corner distances up" },
  brow_lower: { perSide: true, unit: "eye-corner distances down" },
  lip_pucker: { perSide: false, unit: "fraction of the mouth width at rest" },
};

/**
 * Head-pose gate, as change from the calibration pose. Yaw and pitch are the nose tip's
 * shift in eye-corner distances: its tip stands about 0.45 of that distance in front of
 * the eye corners, so 0.08 is about 10 degrees of turn or nod. Beyond that the eye
 * opening and the mouth width change with the view, not with the face.
 */
export const DEFAULT_GATE = { yaw: 0.08, pitch: 0.08, rollDegrees: 8 };

// Exponential smoothing: weight of the newest frame (others found about 0.6 right live).
const SMOOTHING = 0.6;
// A change within this many noise floors reads as no change (docs/vision.md: differences
// below about twice the noise floor are noise).
const FLOOR_FACTOR = 2;
// Noise floors are never taken below these: a perfectly still synthetic face would
// otherwise make every rounding error count as movement.
const MIN_FLOOR = {
  eye_narrowing: 0.01,
  mouth_corner: 0.002,
  brow_raise: 0.002,
  brow_lower: 0.002,
  lip_pucker: 0.005,
};
// A landmark that jitters more than this at rest (eye-corner distances, about 2 mm)
// means the face was moving or talking: calibration starts again.
const MAX_LANDMARK_NOISE = 0.02;

/** The subject's sides, given whether the image the model saw was mirrored. */
function subjectSides(mirrored) {
  return mirrored ? { right: MODEL_SIDES.left, left: MODEL_SIDES.right } : MODEL_SIDES;
}

function isFace(landmarks) {
  if (!Array.isArray(landmarks) || landmarks.length < LANDMARK_COUNT) return false;
  return TRACKED.every((i) => Number.isFinite(landmarks[i]?.x) && Number.isFinite(landmarks[i]?.y));
}

/**
 * Landmarks in the face's own frame: origin between the outer eye corners (33, 263),
 * x along the line joining them, y perpendicular (down), unit = their distance. Moving,
 * tilting or nearing the camera then changes nothing; turning the head does (the gate).
 */
export function faceFrame(landmarks) {
  const a = landmarks[33];
  const b = landmarks[263];
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const scale = Math.hypot(dx, dy);
  if (!(scale > 0)) return null;
  const ux = dx / scale;
  const uy = dy / scale;
  const ox = (a.x + b.x) / 2;
  const oy = (a.y + b.y) / 2;
  const points = {};
  for (const i of TRACKED) {
    const px = landmarks[i].x - ox;
    const py = landmarks[i].y - oy;
    points[i] = [(px * ux + py * uy) / scale, (py * ux - px * uy) / scale];
  }
  const nose = points[NOSE_TIP];
  const pose = { yaw: nose[0], pitch: nose[1], roll: (Math.atan2(dy, dx) * 180) / Math.PI };
  return { points, pose, scale };
}

/** Why a pose is outside the gate around the reference pose, or null when inside. */
export function outOfGate(pose, reference, gate = DEFAULT_GATE) {
  if (Math.abs(pose.yaw - reference.yaw) > gate.yaw) return "turned";
  if (Math.abs(pose.pitch - reference.pitch) > gate.pitch) return "nodded";
  const roll = ((pose.roll - reference.roll + 540) % 360) - 180;
  if (Math.abs(roll) > gate.rollDegrees) return "tilted";
  return null;
}

const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
const distance = (p, q) => Math.hypot(p[0] - q[0], p[1] - q[1]);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Typical size of a measure at rest, which a blink or two among the calibration frames
 * does not inflate: the median absolute value, scaled to equal the SD of Gaussian noise.
 * Taken about zero, not about the median: mouth_corner is a distance, never negative.
 */
const noiseFloor = (values) => 1.4826 * median(values.map(Math.abs));

/** The same function applied to every number of a values object ({measure: {side: n}}). */
function mapValues(values, f) {
  return Object.fromEntries(
    Object.entries(values).map(([measure, sides]) => [
      measure,
      Object.fromEntries(Object.entries(sides).map(([side, v]) => [side, f(v, measure, side)])),
    ]),
  );
}

/** Shape of one face (in face-frame points), per side of the subject. */
function shape(points, sides) {
  const result = {};
  for (const [name, side] of Object.entries(sides)) {
    const width = distance(points[side.eyeOuter], points[side.eyeInner]);
    const lids = side.upperLid.map((upper, k) => distance(points[upper], points[side.lowerLid[k]]));
    const opening = mean(lids);
    const eyeLine = (points[side.eyeOuter][1] + points[side.eyeInner][1]) / 2;
    const brow = mean(side.brow.map((i) => points[i][1]));
    result[name] = {
      aperture: opening / width,
      browHeight: eyeLine - brow,
      corner: points[side.mouthCorner],
    };
  }
  result.mouthWidth = distance(points[sides.right.mouthCorner], points[sides.left.mouthCorner]);
  return result;
}

/** Each measure as change from rest; positive = more of the named movement. */
function changes(now, rest) {
  const perSide = (f) => ({ right: f("right"), left: f("left") });
  return {
    eye_narrowing: perSide((s) => 1 - now[s].aperture / rest[s].aperture),
    mouth_corner: perSide((s) => distance(now[s].corner, rest[s].corner)),
    brow_raise: perSide((s) => now[s].browHeight - rest[s].browHeight),
    brow_lower: perSide((s) => rest[s].browHeight - now[s].browHeight),
    lip_pucker: { both: 1 - now.mouthWidth / rest.mouthWidth },
  };
}

/**
 * Calibration on about a second of frames at rest: where each tracked landmark sits
 * (median), how much it jitters (median distance from there: its noise floor), the head
 * pose to gate against, the resting shape that measures compare with, and each
 * measure's own noise floor (its typical size over the calibration frames, smoothed as
 * when tracking). Medians keep a blink during calibration from shifting any of these.
 *
 * Returns {ok: true, calibration} or {ok: false, reason} with reason 'too-few-frames'
 * (fewer faces than minFrames) or 'moved' (the head turned, or the face moved).
 */
export function calibrate(
  frames,
  { mirrored = false, gate = DEFAULT_GATE, minFrames = 5, alpha = SMOOTHING } = {},
) {
  const faces = frames.filter(isFace).map(faceFrame).filter(Boolean);
  if (faces.length < minFrames) return { ok: false, reason: "too-few-frames" };
  const pose = {
    yaw: median(faces.map((f) => f.pose.yaw)),
    pitch: median(faces.map((f) => f.pose.pitch)),
    roll: median(faces.map((f) => f.pose.roll)),
  };
  if (faces.some((f) => outOfGate(f.pose, pose, gate))) return { ok: false, reason: "moved" };
  const reference = {};
  const landmarkNoise = {};
  for (const i of TRACKED) {
    const centre = [0, 1].map((axis) => median(faces.map((f) => f.points[i][axis])));
    reference[i] = centre;
    landmarkNoise[i] = median(faces.map((f) => distance(f.points[i], centre)));
  }
  const jittery = Object.values(landmarkNoise).some((n) => n > MAX_LANDMARK_NOISE);
  if (jittery) return { ok: false, reason: "moved" };
  const sides = subjectSides(mirrored);
  const rest = shape(reference, sides);
  let smoothed = null;
  const samples = faces.map((f) => {
    smoothed = smooth(smoothed, f.points, alpha);
    return changes(shape(smoothed, sides), rest);
  });
  const floor = mapValues(samples[0], (_, measure, side) =>
    Math.max(MIN_FLOOR[measure], noiseFloor(samples.map((v) => v[measure][side]))),
  );
  const calibration = {
    reference,
    landmarkNoise,
    floor,
    pose,
    rest,
    mirrored,
    frames: faces.length,
  };
  return { ok: true, calibration };
}

/** Exponential smoothing of face-frame points; alpha is the weight of the new frame. */
function smooth(previous, points, alpha) {
  if (!previous) return points;
  const result = {};
  for (const i of TRACKED) {
    result[i] = [
      alpha * points[i][0] + (1 - alpha) * previous[i][0],
      alpha * points[i][1] + (1 - alpha) * previous[i][1],
    ];
  }
  return result;
}

/**
 * Change within a measure's noise floor is no change: up to `factor` times the floor
 * it reads as zero; beyond, the full value is kept (shrinking it instead would
 * understate every real movement). Applied to measures, not to single landmarks: a
 * small real narrowing moves each lid by less than its jitter, yet the averaged,
 * smoothed opening shows it.
 */
function denoise(values, floor, factor) {
  return mapValues(values, (v, measure, side) =>
    Math.abs(v) <= factor * floor[measure][side] ? 0 : v,
  );
}

/**
 * A tracker for one calibration: measure(landmarks) gives, per frame,
 * {inGate, reason, pose, values}. values holds each measure of MEASURES as
 * {right, left} (the subject's sides) or {both}; it is null, with reason 'no-face',
 * 'turned', 'nodded' or 'tilted', when the frame must not be scored. Smoothing starts
 * afresh after such a frame, so a turned head never leaks into the next values.
 */
export function createTracker(
  calibration,
  { alpha = SMOOTHING, gate = DEFAULT_GATE, noiseFactor = FLOOR_FACTOR } = {},
) {
  const sides = subjectSides(calibration.mirrored);
  let smoothed = null;
  return {
    measure(landmarks) {
      const face = isFace(landmarks) ? faceFrame(landmarks) : null;
      const reason = face ? outOfGate(face.pose, calibration.pose, gate) : "no-face";
      if (reason) {
        smoothed = null;
        return { inGate: false, reason, pose: face ? face.pose : null, values: null };
      }
      smoothed = smooth(smoothed, face.points, alpha);
      const values = changes(shape(smoothed, sides), calibration.rest);
      const denoised = denoise(values, calibration.floor, noiseFactor);
      return { inGate: true, reason: null, pose: face.pose, values: denoised };
    },
  };
}
