/**
 * MediaPipe Face Mesh on a <video> element, in the browser (docs/live-feedback.md).
 *
 * The runtime comes from npm (@mediapipe/face_mesh) and is served by us from a versioned
 * static path; nothing is fetched from elsewhere and no model is downloaded at run time.
 * Frames, images and landmarks stay in this page: nothing here sends anything anywhere.
 */
import { createRateMeter } from "./session.js";

const SLOW_FPS = 10; // below this the phone is warned and every other frame is skipped
const FRAMES_BEFORE_JUDGING_SPEED = 10;
const INIT_TIMEOUT_MS = 60000; // the first visit downloads about 10 MB

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.append(script);
  });
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts the runtime and runs it once on a blank image: the first frame compiles its
 * GPU programs (8 s in software rendering here), which would otherwise freeze the first
 * camera frame and push calibration into the exercise.
 */
async function warmUp(faceMesh) {
  await faceMesh.initialize();
  const blank = document.createElement("canvas");
  blank.width = 64;
  blank.height = 48;
  await faceMesh.send({ image: blank });
}

/**
 * Loads and starts Face Mesh from assetsUrl (ending in '/'). Resolves to
 * {available: true, faceMesh} or {available: false, reason, detail}, reason being
 * 'no-webassembly', 'files-missing' (the loader script is not there) or 'failed' (the
 * runtime did not start: a missing model file, or a Content-Security-Policy without
 * 'unsafe-eval', which its WebAssembly glue needs).
 */
export async function loadFaceMesh(assetsUrl, { timeoutMs = INIT_TIMEOUT_MS } = {}) {
  if (typeof WebAssembly !== "object")
    return { available: false, reason: "no-webassembly", detail: "" };
  try {
    if (!window.FaceMesh) await loadScript(`${assetsUrl}face_mesh.js`);
  } catch (error) {
    return { available: false, reason: "files-missing", detail: String(error) };
  }
  try {
    const faceMesh = new window.FaceMesh({ locateFile: (file) => `${assetsUrl}${file}` });
    faceMesh.setOptions({
      maxNumFaces: 1,
      refineLandmarks: true, // the attention model follows eyelids and lips more closely
      selfieMode: false, // frames stay the true view; measures.js names the sides
      minDetectionConfidence: 0.5,
      minTrackingConfidence: 0.5,
    });
    await withTimeout(warmUp(faceMesh), timeoutMs);
    return { available: true, faceMesh };
  } catch (error) {
    return { available: false, reason: "failed", detail: String(error) };
  }
}

/** The first face's landmarks in video pixels, or null. */
function toPixels(results, video) {
  const face = results?.multiFaceLandmarks?.[0];
  if (!face) return null;
  const width = video.videoWidth;
  const height = video.videoHeight;
  return face.map((p) => ({ x: p.x * width, y: p.y * height, z: p.z * width }));
}

/**
 * Runs faceMesh on the video's frames until stop(). Each processed frame calls
 * onFrame({landmarks, timeMs, frameMs}): landmarks in video pixels, or null without a
 * face; frameMs is the time Face Mesh took. Below SLOW_FPS it processes every other
 * video frame from then on and calls onSlow(fps) once; onError(error) if it fails.
 */
export function trackVideo(video, faceMesh, { onFrame, onSlow = () => {}, onError = () => {} }) {
  const rate = createRateMeter();
  let latest = null;
  let running = true;
  let reduced = false;
  let skipNext = false;
  let frames = 0;
  let busyMs = 0;
  faceMesh.onResults((results) => {
    latest = results;
  });

  const schedule = () => {
    if (!running) return;
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(step);
    else requestAnimationFrame(step);
  };

  async function step() {
    if (!running) return;
    if (skipNext || video.readyState < 2) {
      skipNext = false;
      schedule();
      return;
    }
    const start = performance.now();
    try {
      latest = null;
      await faceMesh.send({ image: video });
    } catch (error) {
      running = false;
      onError(error);
      return;
    }
    const end = performance.now();
    rate.tick(end);
    frames += 1;
    busyMs += end - start;
    if (!reduced && frames >= FRAMES_BEFORE_JUDGING_SPEED && rate.fps < SLOW_FPS) {
      reduced = true;
      onSlow(rate.fps);
    }
    skipNext = reduced;
    onFrame({ landmarks: toPixels(latest, video), timeMs: end, frameMs: end - start });
    schedule();
  }

  schedule();
  return {
    stop() {
      running = false;
    },
    /** Frames per second on average and now, mean Face Mesh time, reduced mode. */
    get stats() {
      return {
        fps: rate.averageFps,
        fpsNow: rate.fps,
        frameMs: frames ? busyMs / frames : null,
        frames,
        reduced,
      };
    },
  };
}
