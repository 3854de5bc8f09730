/* Guided session player (templates/patient/player.html).
 *
 * Reads the programme from the data-programme attribute of #player (JSON) and
 * guides the patient through it: one exercise at a time with its steps and the
 * synkinesis to hold back, then for every repetition a "Move slowly and hold" phase
 * (the exercise's hold seconds; 3 s "Move slowly" when the hold is 0) and a "Relax"
 * phase (rest seconds; none after the last repetition, none when 0). The repetition
 * counter counts finished holds. Pause/resume and skip work at any time.
 *
 * At the end it fills the server-rendered summary form (repetitions per exercise,
 * editable; a skipped exercise with no repetition is ticked "Skipped") and shows it;
 * the patient sends it as a normal form post with its CSRF token (source=player).
 *
 * Options: a beep (WebAudio) and a vibration (navigator.vibrate) on each phase change,
 * off by default except for exercises done with the eyes closed (issue 16 part 7); a
 * choice is remembered per patient on this device; a mirror (camera preview shown mirrored, never uploaded, stopped
 * when the session ends or the page is left).
 *
 * Timing: data-seconds-scale on #player multiplies every duration (1 = real time).
 * The server sets it below 1 only for tests (?speed=N when app.config["TESTING"]).
 * Phase changes are announced in an aria-live region; the big countdown is hidden from
 * screen readers so they are not flooded. With prefers-reduced-motion the page does no
 * animated scrolling (the CSS drops its transitions too).
 */
(function () {
  "use strict";

  var root = document.getElementById("player");
  if (!root || !root.hasAttribute("data-programme")) {
    return;
  }

  var programme = JSON.parse(root.getAttribute("data-programme"));
  var exercises = programme.exercises || [];
  var scale = parseFloat(root.getAttribute("data-seconds-scale"));
  if (!(scale > 0 && scale <= 1)) {
    scale = 1;
  }
  var MOVE_SECONDS = 3;
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function $(id) {
    return document.getElementById(id);
  }

  var views = { start: $("player-start"), exercise: $("player-exercise"), summary: $("player-summary") };
  var el = {
    announcer: $("player-announcer"),
    position: $("exercise-position"),
    name: $("exercise-name"),
    steps: $("exercise-steps"),
    holdBack: $("exercise-hold-back"),
    note: $("exercise-note"),
    phase: $("player-phase"),
    countdown: $("player-countdown"),
    progress: $("player-progress"),
    counter: $("player-counter"),
    go: $("player-go"),
    pause: $("player-pause"),
    skip: $("player-skip"),
    end: $("player-end"),
    begin: $("player-begin"),
    sound: $("opt-sound"),
    vibrate: $("opt-vibrate"),
    mirrorPanel: $("mirror-panel"),
    mirrorToggle: $("mirror-toggle"),
    mirrorVideo: $("mirror-video"),
    mirrorError: $("mirror-error"),
    summaryTitle: $("summary-title"),
    form: $("summary-form")
  };

  var state = {
    index: 0,
    done: exercises.map(function () { return 0; }),
    skipped: exercises.map(function () { return false; }),
    running: false,
    paused: false,
    timer: null
  };

  /* --- small helpers ------------------------------------------------------------ */

  function show(name) {
    Object.keys(views).forEach(function (key) {
      views[key].hidden = key !== name;
    });
  }

  function announce(text) {
    // Clearing first makes screen readers repeat an identical message.
    el.announcer.textContent = "";
    window.setTimeout(function () { el.announcer.textContent = text; }, 50);
  }

  function focus(element) {
    element.focus({ preventScroll: reducedMotion });
    if (!reducedMotion && element.scrollIntoView) {
      element.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  }

  function total(exercise) {
    return exercise.reps * exercise.sets;
  }

  /* --- sound, vibration, wake lock ---------------------------------------------- */

  var AudioContextClass = window.AudioContext || window.webkitAudioContext;
  var audio = null;
  if (!AudioContextClass) {
    $("sound-option").hidden = true;
  }
  function startAudio() {
    // Browsers allow audio only after a user gesture: called from one.
    if (!audio && AudioContextClass) {
      audio = new AudioContextClass();
    }
  }
  el.sound.addEventListener("change", function () {
    if (el.sound.checked) {
      startAudio();
    }
    rememberCues();
  });
  el.vibrate.addEventListener("change", rememberCues);
  if (typeof navigator.vibrate === "function") {
    $("vibrate-option").hidden = false;
  }

  /* Cues (issue 16 part 7): until the patient chooses, exercises done with the eyes closed
   * beep and vibrate by themselves; a choice (either box changed) applies to every
   * exercise and is remembered on this device for this patient (localStorage). */
  function cuesKey() {
    var app = window.RetrainApp;
    return app && app.user ? "retrain-cues-" + app.user : null;
  }

  function storedCues() {
    try {
      var key = cuesKey();
      return key ? JSON.parse(window.localStorage.getItem(key) || "null") : null;
    } catch (error) {
      return null; // storage blocked: nothing remembered
    }
  }

  function rememberCues() {
    try {
      var key = cuesKey();
      if (key) {
        window.localStorage.setItem(key, JSON.stringify({ sound: el.sound.checked, vibrate: el.vibrate.checked }));
      }
    } catch (error) {
      // storage blocked: the choice holds for this page only
    }
  }

  function cueWanted(kind) {
    var box = kind === "sound" ? el.sound : el.vibrate;
    if (box.checked) {
      return true;
    }
    var exercise = exercises[state.index];
    return storedCues() === null && Boolean(exercise && exercise.eyes_closed);
  }

  function signal(high) {
    if (cueWanted("sound") && audio) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = high ? 880 : 520;
      gain.gain.value = 0.08;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + 0.15);
    }
    if (cueWanted("vibrate") && typeof navigator.vibrate === "function") {
      navigator.vibrate(high ? 200 : [80, 60, 80]);
    }
  }

  var wakeLock = null;
  function keepAwake(on) {
    if (on && !wakeLock && navigator.wakeLock) {
      navigator.wakeLock.request("screen").then(function (lock) { wakeLock = lock; }, function () {});
    } else if (!on && wakeLock) {
      wakeLock.release().catch(function () {});
      wakeLock = null;
    }
  }

  /* --- mirror ------------------------------------------------------------------- */

  var stream = null;
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    el.mirrorPanel.hidden = false;
  }

  function stopMirror() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    el.mirrorVideo.srcObject = null;
    el.mirrorVideo.hidden = true;
    el.mirrorToggle.setAttribute("aria-pressed", "false");
    el.mirrorToggle.textContent = "Show mirror";
  }

  el.mirrorToggle.addEventListener("click", function () {
    if (stream) {
      stopMirror();
      return;
    }
    el.mirrorError.hidden = true;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false }).then(
      function (media) {
        stream = media;
        el.mirrorVideo.srcObject = media;
        el.mirrorVideo.hidden = false;
        el.mirrorToggle.setAttribute("aria-pressed", "true");
        el.mirrorToggle.textContent = "Hide mirror";
      },
      function () {
        el.mirrorError.textContent = "The camera could not start. You can carry on without the mirror.";
        el.mirrorError.hidden = false;
      }
    );
  });
  window.addEventListener("pagehide", function () {
    stopMirror();
    keepAwake(false);
  });

  /* --- timer: deadline based, so pauses and slow tabs keep the right time -------- */

  function render(left, duration) {
    var unit = 1000 * scale;
    el.countdown.textContent = String(Math.ceil(left / unit));
    el.progress.value = duration > 0 ? 1 - left / duration : 1;
  }

  function tick() {
    var timer = state.timer;
    var left = timer.deadline - performance.now();
    if (left <= 0) {
      render(0, timer.duration);
      state.timer = null;
      timer.then();
      return;
    }
    render(left, timer.duration);
    timer.handle = window.setTimeout(tick, Math.min(200, left));
  }

  function runPhase(label, seconds, then) {
    var duration = seconds * 1000 * scale;
    el.phase.textContent = label;
    state.timer = { duration: duration, left: duration, deadline: 0, handle: null, then: then };
    start();
  }

  function start() {
    state.timer.deadline = performance.now() + state.timer.left;
    tick();
  }

  function stop() {
    if (state.timer) {
      window.clearTimeout(state.timer.handle);
      state.timer.left = Math.max(0, state.timer.deadline - performance.now());
    }
  }

  function cancel() {
    stop();
    state.timer = null;
  }

  /* --- the session -------------------------------------------------------------- */

  // "20 repetitions to do" before the first; "Repetition 3 of 20" from the start of a hold.
  function updateCounter(holding) {
    var exercise = exercises[state.index];
    var count = total(exercise);
    var number = state.done[state.index] + (holding ? 1 : 0);
    var text = number === 0
      ? count + (count === 1 ? " repetition" : " repetitions") + " to do"
      : "Repetition " + number + " of " + count;
    if (exercise.sets > 1) {
      var set = Math.min(exercise.sets, Math.floor(Math.max(number - 1, 0) / exercise.reps) + 1);
      text = "Set " + set + " of " + exercise.sets + " · " + text;
    }
    el.counter.textContent = text;
  }

  function setRunning(running) {
    state.running = running;
    state.paused = false;
    el.go.hidden = running;
    el.pause.hidden = !running;
    el.pause.textContent = "Pause";
    el.pause.setAttribute("aria-pressed", "false");
  }

  function showExercise(index) {
    state.index = index;
    var exercise = exercises[index];
    el.position.textContent = "Exercise " + (index + 1) + " of " + exercises.length;
    el.name.textContent = exercise.name;
    el.steps.textContent = "";
    exercise.steps.forEach(function (step) {
      var li = document.createElement("li");
      li.textContent = step;
      el.steps.appendChild(li);
    });
    el.holdBack.textContent = exercise.hold_back;
    el.note.textContent = exercise.note;
    el.note.hidden = !exercise.note;
    el.phase.textContent = "Ready when you are";
    el.countdown.textContent = "";
    el.progress.value = 0;
    el.go.textContent = "Begin this exercise";
    updateCounter(false);
    setRunning(false);
    show("exercise");
    focus(el.name);
    announce("Exercise " + (index + 1) + " of " + exercises.length + ": " + exercise.name +
      ". Press Begin when you are ready.");
    emit("progress");
  }

  function nextRepetition() {
    var exercise = exercises[state.index];
    var number = state.done[state.index] + 1;
    var hold = exercise.hold_seconds > 0;
    var label = hold ? "Move slowly and hold" : "Move slowly";
    signal(true);
    updateCounter(true);
    announce(label + ". Repetition " + number + " of " + total(exercise) + ".");
    emit("hold");
    runPhase(label, hold ? exercise.hold_seconds : MOVE_SECONDS, function () {
      emit("held"); // live feedback scores the hold (static/js/live/player-live.js)
      state.done[state.index] += 1;
      emit("progress");
      updateCounter(false);
      if (state.done[state.index] >= total(exercise)) {
        finishExercise();
      } else if (exercise.rest_seconds > 0) {
        signal(false);
        announce("Relax.");
        runPhase("Relax", exercise.rest_seconds, nextRepetition);
      } else {
        nextRepetition();
      }
    });
  }

  function finishExercise() {
    cancel();
    setRunning(false);
    if (state.index + 1 < exercises.length) {
      showExercise(state.index + 1);
    } else {
      finishSession();
    }
  }

  function field(name) {
    return el.form ? el.form.elements.namedItem(name) : null;
  }

  function finishSession() {
    cancel();
    stopMirror();
    keepAwake(false);
    exercises.forEach(function (exercise, index) {
      var reps = field("items-" + index + "-reps_done");
      var sets = field("items-" + index + "-sets_done");
      var skipped = field("items-" + index + "-skipped");
      var done = state.done[index];
      if (reps) { reps.value = String(done); }
      if (sets) { sets.value = String(Math.ceil(done / exercise.reps)); }
      if (skipped) { skipped.checked = state.skipped[index] && done === 0; }
    });
    emit("finish"); // live feedback fills in its numbers before the summary shows
    show("summary");
    el.mirrorPanel.hidden = true;
    // Praise for what was done; a session with every exercise skipped is ended, not
    // finished (it may still be saved, with how the patient felt).
    var anyDone = state.done.some(function (n) { return n > 0; });
    el.summaryTitle.textContent = anyDone
      ? "Session finished. Well done."
      : "Session ended. No exercise was done this time.";
    focus(el.summaryTitle);
    announce(anyDone
      ? "Session finished. Well done. Please check the repetitions and save."
      : "Session ended. No exercise was done this time. You can still save how you felt.");
    emit("progress");
  }

  el.begin.addEventListener("click", function () {
    if (el.sound.checked || (storedCues() === null && exercises.some(function (e) { return e.eyes_closed; }))) {
      startAudio(); // this tap lets the session beep (a remembered choice, eyes-closed exercises)
    }
    keepAwake(true);
    showExercise(0);
  });

  el.go.addEventListener("click", function () {
    setRunning(true);
    focus(el.pause); // the Begin button hides itself: keep keyboard focus in the player
    nextRepetition();
  });

  el.pause.addEventListener("click", function () {
    if (!state.running || !state.timer) {
      return;
    }
    if (state.paused) {
      state.paused = false;
      el.pause.textContent = "Pause";
      el.pause.setAttribute("aria-pressed", "false");
      el.phase.textContent = state.resumeLabel;
      announce("Carrying on. " + state.resumeLabel + ".");
      start();
    } else {
      stop();
      state.paused = true;
      state.resumeLabel = el.phase.textContent;
      el.pause.textContent = "Resume";
      el.pause.setAttribute("aria-pressed", "true");
      el.phase.textContent = "Paused";
      announce("Paused.");
    }
  });

  el.skip.addEventListener("click", function () {
    state.skipped[state.index] = true;
    announce("Skipped " + exercises[state.index].name + ".");
    finishExercise();
  });

  // Short of time: what is done so far is kept, the exercises not begun are skipped, and
  // the summary shows to save (before, each had to be skipped in turn).
  el.end.addEventListener("click", function () {
    for (var index = state.index; index < exercises.length; index += 1) {
      if (state.done[index] === 0) {
        state.skipped[index] = true;
      }
    }
    announce("Session ended here.");
    finishSession();
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && state.running) {
      keepAwake(true); // the browser drops the wake lock when the tab is hidden
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var cues = storedCues(); // app.js (RetrainApp.user) runs after this script
    if (cues) {
      el.sound.checked = Boolean(cues.sound) && !$("sound-option").hidden;
      el.vibrate.checked = Boolean(cues.vibrate);
    } else if (exercises.some(function (e) { return e.eyes_closed; })) {
      // Neither on nor off until the patient chooses: the eyes-closed exercises cue by
      // themselves, the others do not ("mixed" to a screen reader).
      el.sound.indeterminate = true;
      el.vibrate.indeterminate = true;
    }
  });

  // JavaScript is running: swap the fallback for the player.
  $("player-fallback").hidden = true;
  root.hidden = false;
  if (exercises.length === 0) {
    el.begin.disabled = true;
  }

  /* --- hooks for other modules (resume.js, player-save.js; issue 14; live/player-live.js)
   * "player:progress" on #player after each change of place (detail: snapshot()),
   * "player:hold" / "player:held" when a hold of exercise detail.index begins / ends,
   * "player:finish" before the summary shows, and window.RetrainPlayer to read the place
   * and to resume at a saved one. */

  function snapshot() {
    var view = !views.summary.hidden ? "summary" : !views.exercise.hidden ? "exercise" : "start";
    return { index: state.index, done: state.done.slice(), skipped: state.skipped.slice(), view: view };
  }

  function emit(name) {
    root.dispatchEvent(new CustomEvent("player:" + name, { detail: snapshot() }));
  }

  function resume(place) {
    exercises.forEach(function (exercise, index) {
      state.done[index] = Math.min(Math.max(place.done[index] || 0, 0), total(exercise));
      state.skipped[index] = Boolean(place.skipped[index]);
    });
    keepAwake(true);
    if (place.view === "summary" || place.index >= exercises.length) {
      finishSession();
    } else {
      showExercise(Math.max(0, place.index));
    }
  }

  window.RetrainPlayer = {
    root: root,
    programmeId: programme.programme_id,
    count: exercises.length,
    snapshot: snapshot,
    resume: resume
  };
})();
