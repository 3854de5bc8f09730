/**
 * Live feedback in the guided player (templates/patient/player.html, docs/live-feedback.md).
 *
 * Off by default. When the patient turns it on: the camera starts, the face-landmark
 * runtime loads from our own static path, and about one second of the resting face
 * calibrates the measures. Then, during each hold (player.js "player:hold" / "player:held"),
 * a gauge beside the countdown shows the movement to keep still against the patient's
 * limit, in colour and in words, with an optional soft tone when it goes over; after the
 * hold a calm message gives its score. At the end ("player:finish") the per-exercise
 * numbers go into the session form's hidden fields: the only thing that leaves the phone.
 *
 * Without a camera, WebAssembly or the runtime's files the player works as before and
 * says live feedback is unavailable.
 */
import { loadFaceMesh, trackVideo } from "./face-tracker.js";
import { DEFAULT_REACH, storedHoldBack } from "./scoring.js";
import { createSession } from "./session.js";

const WORDS = {
  eye_narrowing: { part: "Eye", still: "the eye stayed open", moved: "the eye narrowed" },
  mouth_corner: { part: "Mouth corner", still: "the mouth stayed still", moved: "the mouth corner moved" },
  brow_raise: { part: "Brow", still: "the brow stayed still", moved: "the brow lifted" },
  brow_lower: { part: "Brow", still: "the brow stayed still", moved: "the brow lowered" },
  lip_pucker: { part: "Lips", still: "the lips stayed still", moved: "the lips pursed" },
};
const TONE_GAP_MS = 1500; // at most one tone this often, so it informs without nagging
const LIMIT_AT = 2 / 3; // where the limit mark sits on the gauge's track

const root = document.getElementById("player");
if (root && root.hasAttribute("data-programme")) setUp(root);

function setUp(player) {
  const programme = JSON.parse(player.getAttribute("data-programme"));
  const exercises = programme.exercises || [];
  const $ = (id) => document.getElementById(id);
  const el = {
    option: $("live-option"),
    toggle: $("opt-live"),
    toneOption: $("live-tone-option"),
    tone: $("opt-live-tone"),
    panel: $("live-panel"),
    status: $("live-status"),
    video: $("live-video"),
    gauge: $("live-gauge"),
    gaugeLabel: $("live-gauge-label"),
    gaugeBar: $("live-gauge-bar"),
    gaugeText: $("live-gauge-text"),
    rep: $("live-rep"),
    summary: $("live-summary"),
    summaryList: $("live-summary-list"),
    form: $("summary-form"),
    mirror: $("mirror-panel"),
  };
  if (!el.option || !exercises.some((exercise) => exercise.live)) return;
  el.option.hidden = false;
  document.addEventListener("DOMContentLoaded", () => rememberTone(el.tone));

  const live = {
    state: "off", // off, loading, calibrating, ready, unavailable
    session: null,
    tracker: null,
    stream: null,
    hold: null, // {index, over, toneAt}
    audio: null,
    measureMs: 0,
    frames: 0,
    slowFps: null,
    lastStats: {}, // the tracker's numbers when it stopped
  };
  window.RetrainLive = {
    get state() {
      return live.state;
    },
    get stats() {
      return {
        ...(live.tracker ? live.tracker.stats : live.lastStats),
        measureMs: live.frames ? live.measureMs / live.frames : null,
        slowFps: live.slowFps,
      };
    },
  };

  function setState(state, message) {
    live.state = state;
    player.setAttribute("data-live-state", state);
    if (message !== undefined) el.status.textContent = message;
  }

  function unavailable(message) {
    stop();
    setState("unavailable");
    el.toggle.checked = false;
    el.toggle.disabled = true;
    el.panel.hidden = true;
    el.toneOption.hidden = true;
    if (el.mirror && el.mirror.dataset.liveHid) el.mirror.hidden = false;
    note(el.option, message + " The session works as usual without it.");
  }

  function note(parent, text) {
    let box = document.getElementById("live-unavailable");
    if (!box) {
      box = document.createElement("p");
      box.id = "live-unavailable";
      box.className = "live-status warn";
      box.setAttribute("role", "status");
      parent.appendChild(box);
    }
    box.textContent = text;
  }

  function stop() {
    if (live.tracker) {
      live.tracker.stop();
      live.lastStats = live.tracker.stats;
    }
    live.tracker = null;
    if (live.stream) live.stream.getTracks().forEach((track) => track.stop());
    live.stream = null;
    el.video.srcObject = null;
    el.gauge.hidden = true;
  }

  async function start() {
    if (typeof WebAssembly !== "object") {
      unavailable("Live feedback is unavailable: this browser cannot run it.");
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      unavailable("Live feedback is unavailable: this browser gives no camera.");
      return;
    }
    el.panel.hidden = false;
    el.toneOption.hidden = false;
    if (el.mirror && !el.mirror.hidden) {
      el.mirror.hidden = true; // the live picture is the mirror now
      el.mirror.dataset.liveHid = "1";
    }
    setState("loading", "Starting the camera and live feedback. The first time it downloads about 10 MB.");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
    } catch (error) {
      unavailable("Live feedback needs the camera, and the camera could not start.");
      return;
    }
    if (!el.toggle.checked) {
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    live.stream = stream;
    el.video.srcObject = stream;
    await el.video.play().catch(() => {});
    const loaded = await loadFaceMesh(player.getAttribute("data-live-assets"));
    if (!loaded.available) {
      unavailable("Live feedback is unavailable on this phone.");
      return;
    }
    if (!el.toggle.checked) return;
    live.session = createSession({ affectedSide: programme.affected_side });
    setState("calibrating", "Keep your face relaxed and still, looking at the screen, while it measures your face at rest.");
    live.tracker = trackVideo(el.video, loaded.faceMesh, {
      onFrame: onFrame,
      onSlow(fps) {
        live.slowFps = fps;
        note(el.panel, `This phone is measuring slowly (${fps.toFixed(1)} pictures a second), so the feedback may lag. It now checks every other picture to keep up.`);
      },
      onError() {
        unavailable("Live feedback stopped working on this phone.");
      },
    });
  }

  function onFrame({ landmarks, timeMs }) {
    const began = performance.now();
    const step = live.session.addFrame(landmarks, timeMs);
    live.measureMs += performance.now() - began;
    live.frames += 1;
    if (live.state === "calibrating") {
      if (step.state === "measuring") {
        setState("ready", "Ready: your face at rest is measured. Live feedback shows during each hold.");
      } else if (!landmarks) {
        el.status.textContent = "Live feedback cannot see your face: hold the phone in front of you.";
      } else if (live.session.problem === "moved") {
        el.status.textContent = "Your face moved: keep it relaxed and still for a moment.";
      }
      return;
    }
    if (live.hold) showGauge(step);
  }

  function rule(index) {
    return exercises[index] && exercises[index].live ? exercises[index].live : null;
  }

  function showGauge(step) {
    const { rule: exerciseRule } = rule(live.hold.index);
    el.gauge.hidden = false;
    const value = step.gauge;
    el.gauge.classList.remove("over", "ok", "off");
    if (!value) {
      el.gauge.classList.add("off");
      el.gaugeBar.style.width = "0";
      el.gaugeText.textContent = "Not measuring: face the screen";
      return;
    }
    if (value.holdBack === null) {
      const words = WORDS[exerciseRule.target.measure];
      const reached = value.target >= (exerciseRule.target.reach ?? DEFAULT_REACH[exerciseRule.target.measure]);
      el.gauge.classList.add(reached ? "ok" : "off");
      el.gaugeBar.style.width = `${Math.min(100, Math.max(0, value.target * 100 * 20))}%`;
      el.gaugeText.textContent = `${words.part}: ${reached ? "moving" : "not yet"}`;
      return;
    }
    const share = Math.max(0, value.holdBack / value.limit);
    el.gaugeBar.style.width = `${Math.min(100, share * LIMIT_AT * 100)}%`;
    el.gauge.classList.add(value.overLimit ? "over" : "ok");
    el.gaugeText.textContent = value.overLimit ? "Over your limit: ease off" : "Within your limit";
    if (value.overLimit && !live.hold.over) toneOnce();
    live.hold.over = value.overLimit;
  }

  function toneOnce() {
    const now = performance.now();
    if (!el.tone.checked || !live.audio || now - (live.hold.toneAt || -Infinity) < TONE_GAP_MS) return;
    live.hold.toneAt = now;
    const oscillator = live.audio.createOscillator();
    const gain = live.audio.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = 330; // low and soft, unlike the player's phase beeps
    gain.gain.setValueAtTime(0.0001, live.audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.05, live.audio.currentTime + 0.05);
    gain.gain.exponentialRampToValueAtTime(0.0001, live.audio.currentTime + 0.4);
    oscillator.connect(gain);
    gain.connect(live.audio.destination);
    oscillator.start();
    oscillator.stop(live.audio.currentTime + 0.45);
  }

  function repMessage(result, exerciseRule) {
    if (!result || !result.scored) {
      return "This repetition was not measured (keep your face towards the screen). That is fine: carry on.";
    }
    const parts = [];
    if (result.holdBack) {
      const words = WORDS[result.holdBack.measure];
      parts.push(result.clean
        ? `Well done: ${words.still}.`
        : `${words.moved[0].toUpperCase()}${words.moved.slice(1)} a little. Next time go slower and smaller, and keep it soft.`);
    }
    if (result.target) {
      parts.push(result.target.reached
        ? "The movement was there."
        : "Move a little further next time, if it feels comfortable.");
    }
    return parts.join(" ") || (exerciseRule ? "Done." : "");
  }

  // The player's hooks -------------------------------------------------------------------

  player.addEventListener("player:hold", (event) => {
    const index = event.detail.index;
    el.rep.hidden = true;
    const exerciseLive = rule(index);
    if (!exerciseLive || !live.session || live.state !== "ready") {
      live.hold = null;
      return;
    }
    live.hold = { index, over: false, toneAt: null };
    live.session.startHold(index, exerciseLive.rule, { limit: exerciseLive.limit });
    const part = exerciseLive.rule.hold_back || exerciseLive.rule.target;
    el.gaugeLabel.textContent = `${exerciseLive.rule.hold_back ? "Keep still" : "Move"}: ${WORDS[part.measure].part.toLowerCase()}`;
    el.gaugeText.textContent = "Measuring";
    el.gauge.hidden = false;
  });

  player.addEventListener("player:held", (event) => {
    if (!live.hold || live.hold.index !== event.detail.index) return;
    const result = live.session.endHold();
    live.hold = null;
    el.gauge.hidden = true;
    el.rep.textContent = repMessage(result, rule(event.detail.index));
    el.rep.hidden = false;
  });

  player.addEventListener("player:progress", (event) => {
    // A skip mid-hold: that hold is not scored, and its gauge goes.
    if (live.hold && live.hold.index !== event.detail.index) {
      live.hold = null;
      el.gauge.hidden = true;
    }
    if (event.detail.view !== "exercise") el.rep.hidden = true;
  });

  player.addEventListener("player:finish", () => {
    live.hold = null;
    if (live.session && live.state === "ready") fillSummary(live.session.summary());
    stop();
    el.panel.hidden = true;
  });

  function setField(index, name, value) {
    const input = el.form && el.form.elements.namedItem(`items-${index}-${name}`);
    if (input) input.value = value === null || value === undefined ? "" : String(value);
  }

  function fillSummary(summary) {
    el.summaryList.textContent = "";
    Object.keys(summary).forEach((key) => {
      const index = Number(key);
      const numbers = summary[key];
      const exercise = exercises[index];
      setField(index, "live_reps_scored", numbers.repsScored);
      setField(index, "live_clean_reps", exercise.live.rule.hold_back ? numbers.cleanReps : "");
      setField(index, "live_median_hold_back", storedHoldBack(numbers.medianHoldBack));
      setField(index, "live_fps", numbers.fps === null ? "" : numbers.fps);
      const li = document.createElement("li");
      li.textContent = exercise.live.rule.hold_back
        ? `${exercise.name}: ${numbers.cleanReps} of ${numbers.repsScored} measured repetitions within your limit.`
        : `${exercise.name}: the movement was there in ${numbers.targetReachedReps} of ${numbers.repsScored} measured repetitions.`;
      el.summaryList.appendChild(li);
    });
    el.summary.hidden = el.summaryList.children.length === 0;
  }

  // The toggle --------------------------------------------------------------------------

  el.toggle.addEventListener("change", () => {
    if (el.toggle.checked) {
      // Browsers allow sound only after a gesture: this click is one.
      const AudioContextClass = window.AudioContext || window.webkitAudioContext;
      if (!live.audio && AudioContextClass) live.audio = new AudioContextClass();
      start().catch(() => unavailable("Live feedback is unavailable on this phone."));
    } else {
      stop();
      live.session = null;
      setState("off", "");
      el.panel.hidden = true;
      el.toneOption.hidden = true;
      if (el.mirror && el.mirror.dataset.liveHid) el.mirror.hidden = false;
    }
  });
  window.addEventListener("pagehide", stop);
}

/** The soft tone's choice, remembered per patient on this device like the player's cues
 * (called once the page has loaded: app.js, which sets RetrainApp.user, runs after this). */
function rememberTone(box) {
  const app = window.RetrainApp;
  const key = app && app.user ? `retrain-live-tone-${app.user}` : null;
  if (!key) return;
  try {
    const stored = window.localStorage.getItem(key);
    if (stored !== null) box.checked = stored === "on";
  } catch (error) {
    return; // storage blocked: the tone stays as the page says
  }
  box.addEventListener("change", () => {
    try {
      window.localStorage.setItem(key, box.checked ? "on" : "off");
    } catch (error) {
      // storage blocked: the choice holds for this page only
    }
  });
}
