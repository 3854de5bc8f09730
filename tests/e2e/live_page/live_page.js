// Drives static/js/live/ on the fake camera for tests/e2e/test_live_feedback.py: loads
// Face Mesh, calibrates, then scores back-to-back holds of a smile exercise whose
// held-back movement is the subject's right eye narrowing. Results go to window.liveReport.
import { loadFaceMesh, trackVideo } from "/live/face-tracker.js";
import { createSession } from "/live/session.js";

const params = new URLSearchParams(window.location.search);
const assets = params.get("assets") || "/vendor/";
const holdMs = Number(params.get("holdMs") || 2000);
const runMs = Number(params.get("runMs") || 10000);
const RULE = {
  target: { measure: "mouth_corner", side: "affected" },
  hold_back: { measure: "eye_narrowing", side: "affected" },
};
const EXERCISE = "closed-lip-smile";

const report = { status: "loading", holds: [], frames: 0, faces: 0, measureMs: 0 };
window.liveReport = report;

function finish(tracker, stream, session) {
  tracker.stop();
  stream.getTracks().forEach((track) => track.stop());
  report.summary = session.summary();
  report.stats = tracker.stats;
  report.measureMs /= report.frames;
  report.status = "done";
}

async function run() {
  const loaded = await loadFaceMesh(assets, { timeoutMs: 60000 });
  if (!loaded.available) {
    Object.assign(report, { status: "unavailable", reason: loaded.reason, detail: loaded.detail });
    return;
  }
  if (params.get("camera") === "no") {
    report.status = "loaded";
    return;
  }
  const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  const video = document.getElementById("camera");
  video.srcObject = stream;
  await video.play();
  const session = createSession({ affectedSide: "right" });
  report.status = "calibrating";
  let runStart = null;
  let holdStart = null;
  const tracker = trackVideo(video, loaded.faceMesh, {
    onFrame({ landmarks, timeMs }) {
      report.frames += 1;
      if (landmarks) report.faces += 1;
      const start = performance.now();
      const step = session.addFrame(landmarks, timeMs);
      report.measureMs += performance.now() - start;
      if (step.state !== "measuring" || report.status === "done") return;
      if (runStart === null) {
        runStart = timeMs;
        report.status = "measuring";
        report.calibratedAfterFrames = report.frames;
      }
      if (holdStart === null || timeMs - holdStart >= holdMs) {
        if (holdStart !== null) report.holds.push(session.endHold());
        session.startHold(EXERCISE, RULE);
        holdStart = timeMs;
      }
      if (timeMs - runStart >= runMs) finish(tracker, stream, session);
    },
    onSlow(fps) {
      report.slowWarning = fps;
    },
    onError(error) {
      Object.assign(report, { status: "error", detail: String(error) });
    },
  });
}

run().catch((error) => Object.assign(report, { status: "error", detail: String(error) }));
