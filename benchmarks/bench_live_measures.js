// Time of the live-feedback measure code alone (static/js/live/), per camera frame:
// tracker (smoothing, measures, noise floor, gate) plus the gauge of an open hold, on
// landmark sequences from tests/js/sequences.js. Face Mesh itself is timed in the
// browser test (tests/e2e/test_live_feedback.py, run with -s). Usage:
//   node benchmarks/bench_live_measures.js [frames]
import { performance } from "node:perf_hooks";

import { createSession } from "../static/js/live/session.js";
import { REST, sequence, smileWithNarrowing } from "../tests/js/sequences.js";

const RULE = {
  target: { measure: "mouth_corner", side: "affected" },
  hold_back: { measure: "eye_narrowing", side: "affected" },
};
const total = Number(process.argv[2] || 20000);
const frames = sequence(600, smileWithNarrowing("right", 0.35), { seed: 5 });

function run(count) {
  const session = createSession({ affectedSide: "right" });
  sequence(30, () => REST).forEach((landmarks, k) => session.addFrame(landmarks, k * 33));
  session.startHold("closed-lip-smile", RULE);
  const start = performance.now();
  for (let k = 0; k < count; k += 1) session.addFrame(frames[k % frames.length], 1000 + k * 33);
  const elapsed = performance.now() - start;
  session.endHold();
  return elapsed / count;
}

run(2000); // warm-up: let the JIT compile
const perFrame = run(total);
console.log(
  `measure code: ${(perFrame * 1000).toFixed(1)} microseconds per frame over ${total} frames`,
);
console.log(
  `(${(1000 / perFrame).toFixed(0)} frames per second of measuring alone, Node ${process.version})`,
);
