// trackVideo of static/js/live/face-tracker.js with a fake video and a fake Face Mesh on
// a fake clock: frames per second are set by how long each frame "takes", never timed.
import assert from "node:assert/strict";
import { test } from "node:test";

import { trackVideo } from "../../static/js/live/face-tracker.js";

/**
 * A video whose frames arrive when `next()` is called, and a Face Mesh that takes
 * `frameMs` of the fake clock per frame and finds one face at the image's centre.
 */
function fakes(t, { frameMs, fail = false }) {
  let clock = 0;
  t.mock.method(performance, "now", () => clock);
  const waiting = [];
  const video = {
    readyState: 4,
    videoWidth: 640,
    videoHeight: 480,
    requestVideoFrameCallback: (callback) => waiting.push(callback),
  };
  let deliver = () => {};
  const faceMesh = {
    sent: 0,
    onResults(callback) {
      deliver = callback;
    },
    async send({ image }) {
      assert.equal(image, video);
      if (fail) throw new Error("the runtime broke");
      faceMesh.sent += 1;
      clock += frameMs;
      deliver({ multiFaceLandmarks: [[{ x: 0.5, y: 0.25, z: 0.1 }]] });
    },
  };
  /** The video shows its next frame; resolves once the tracker has dealt with it. */
  const next = async () => {
    assert.equal(waiting.length, 1, "the tracker waits for exactly one video frame");
    await waiting.shift()();
  };
  return { video, faceMesh, next, pending: () => waiting.length };
}

test("at 20 frames per second every video frame is processed and nobody is warned", async (t) => {
  const { video, faceMesh, next } = fakes(t, { frameMs: 50 });
  const frames = [];
  const slow = [];
  const tracking = trackVideo(video, faceMesh, {
    onFrame: (frame) => frames.push(frame),
    onSlow: (fps) => slow.push(fps),
  });
  for (let i = 0; i < 30; i += 1) await next();
  assert.equal(faceMesh.sent, 30);
  assert.equal(frames.length, 30);
  assert.deepEqual(slow, []);
  assert.deepEqual(frames[0].landmarks, [{ x: 320, y: 120, z: 64 }], "landmarks in video pixels");
  assert.equal(frames[0].frameMs, 50);
  const stats = tracking.stats;
  assert.equal(stats.reduced, false);
  assert.ok(Math.abs(stats.fps - 20) < 1e-9, `${stats.fps}`);
  assert.equal(stats.frameMs, 50);
  tracking.stop();
});

test("below 10 frames per second it warns once and then processes every other frame", async (t) => {
  const { video, faceMesh, next } = fakes(t, { frameMs: 200 }); // 5 frames per second
  const slow = [];
  const tracking = trackVideo(video, faceMesh, {
    onFrame: () => {},
    onSlow: (fps) => slow.push(fps),
  });
  for (let i = 0; i < 10; i += 1) await next();
  assert.equal(faceMesh.sent, 10, "the speed is judged after 10 frames, all of them processed");
  assert.equal(slow.length, 1);
  assert.ok(Math.abs(slow[0] - 5) < 1e-9, `${slow[0]}`);
  assert.equal(tracking.stats.reduced, true);
  for (let i = 0; i < 20; i += 1) await next();
  assert.equal(faceMesh.sent, 20, "of the next 20 video frames, 10 are processed");
  assert.equal(slow.length, 1, "warned once only");
  tracking.stop();
});

test("nine slow frames are not yet judged", async (t) => {
  const { video, faceMesh, next } = fakes(t, { frameMs: 200 });
  const slow = [];
  const tracking = trackVideo(video, faceMesh, {
    onFrame: () => {},
    onSlow: (fps) => slow.push(fps),
  });
  for (let i = 0; i < 9; i += 1) await next();
  assert.deepEqual(slow, []);
  assert.equal(tracking.stats.reduced, false);
  tracking.stop();
});

test("a failing runtime stops tracking and reports the error", async (t) => {
  const { video, faceMesh, next, pending } = fakes(t, { frameMs: 50, fail: true });
  const errors = [];
  const frames = [];
  trackVideo(video, faceMesh, {
    onFrame: (frame) => frames.push(frame),
    onError: (error) => errors.push(error),
  });
  await next();
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /the runtime broke/);
  assert.deepEqual(frames, []);
  assert.equal(pending(), 0, "no further video frame is asked for");
});
