/* Guided snapshot capture.
 *
 * The live preview is shown mirrored, like a mirror (CSS class .mirror). The photo
 * is drawn from the video onto a canvas WITHOUT that flip, so the canvas holds the
 * true view, and the upload says mirrored=false. Browsers without getUserMedia, or
 * a camera that is refused, keep the plain file form below (it works without JS).
 */
(function () {
  "use strict";

  var section = document.getElementById("capture");
  var plan = document.getElementById("capture-plan");
  if (!section || !plan) { return; }

  var steps = Array.prototype.map.call(plan.querySelectorAll("li[data-expression]"), function (li) {
    return { expression: li.dataset.expression, prompt: li.dataset.prompt, item: li };
  });
  var mediaDevices = navigator.mediaDevices;
  if (!steps.length || !mediaDevices || typeof mediaDevices.getUserMedia !== "function" ||
      !window.fetch || !window.FormData || !HTMLCanvasElement.prototype.toBlob) {
    return; // the plain form stays, nothing else changes
  }

  function $(id) { return document.getElementById(id); }
  var video = $("capture-video");
  var still = $("capture-still");
  var canvas = $("capture-canvas");
  var count = $("capture-count");
  var progress = $("capture-progress");
  var heading = $("capture-expression");
  var prompt = $("capture-prompt");
  var result = $("capture-result");
  var done = $("capture-done");
  var problem = $("capture-problem");
  var fileHeading = $("capture-file-heading");
  var buttons = {
    start: $("capture-start"),
    use: $("capture-use"),
    retake: $("capture-retake"),
    next: $("capture-next"),
    skip: $("capture-skip")
  };
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = tokenMeta ? tokenMeta.getAttribute("content") : "";
  var countFrom = parseInt(section.dataset.countFrom, 10) || 3;

  var stream = null;
  var index = 0;
  var blob = null;
  var stillUrl = null;
  var timer = null;

  var first = section.dataset.first;
  steps.forEach(function (step, i) { if (step.expression === first) { index = i; } });

  function show(which) {
    Object.keys(buttons).forEach(function (name) {
      buttons[name].hidden = which.indexOf(name) === -1;
    });
  }

  function clearResult() {
    while (result.firstChild) { result.removeChild(result.firstChild); }
  }

  function say(text, className) {
    var p = document.createElement("p");
    p.textContent = text;
    if (className) { p.className = className; }
    result.appendChild(p);
    return p;
  }

  function releaseStill() {
    if (stillUrl) { URL.revokeObjectURL(stillUrl); stillUrl = null; }
    still.removeAttribute("src");
    still.hidden = true;
    video.hidden = false;
    blob = null;
  }

  function showStep() {
    var step = steps[index];
    releaseStill();
    clearResult();
    delete result.dataset.snapshotId; // a check still running for the last photo stays quiet
    progress.textContent = "Photo " + (index + 1) + " of " + steps.length;
    heading.textContent = step.expression.charAt(0).toUpperCase() + step.expression.slice(1);
    prompt.textContent = step.prompt;
    steps.forEach(function (s, i) {
      if (i === index) { s.item.setAttribute("aria-current", "step"); }
      else { s.item.removeAttribute("aria-current"); }
    });
    show(["start", "skip"]);
  }

  function finish() {
    releaseStill();
    clearResult();
    delete result.dataset.snapshotId;
    show([]);
    progress.textContent = "";
    heading.textContent = "All done";
    prompt.textContent = "";
    done.hidden = false;
    stopCamera();
    done.querySelector("a").focus();
  }

  function nextStep() {
    index += 1;
    if (index >= steps.length) { finish(); return; }
    showStep();
    buttons.start.focus();
  }

  function countdown(n) {
    count.hidden = false;
    count.textContent = String(n);
    if (n <= 1) {
      timer = window.setTimeout(function () { count.hidden = true; takePhoto(); }, 1000);
      return;
    }
    timer = window.setTimeout(function () { countdown(n - 1); }, 1000);
  }

  function takePhoto() {
    var width = video.videoWidth;
    var height = video.videoHeight;
    if (!width || !height) {
      clearResult();
      say("The camera is not ready yet. Please try again in a moment.", "error");
      show(["start", "skip"]);
      return;
    }
    canvas.width = width;
    canvas.height = height;
    // No flip here: the canvas holds the true view, as the camera sees you.
    canvas.getContext("2d").drawImage(video, 0, 0, width, height);
    section.classList.add("capture-flash");
    window.setTimeout(function () { section.classList.remove("capture-flash"); }, 200);
    canvas.toBlob(function (made) {
      if (!made) {
        say("Something went wrong taking the photo. Please try again.", "error");
        show(["start", "skip"]);
        return;
      }
      blob = made;
      stillUrl = URL.createObjectURL(made);
      still.src = stillUrl;
      still.hidden = false;
      video.hidden = true;
      clearResult();
      say("Here is your photo. Use it, or take it again.");
      show(["use", "retake", "skip"]);
      buttons.use.focus();
    }, "image/jpeg", 0.92);
  }

  function start() {
    clearResult();
    show([]);
    countdown(countFrom);
  }

  function retake() {
    releaseStill();
    clearResult();
    show(["start", "skip"]);
    buttons.start.focus();
  }

  function upload() {
    if (!blob) { return; }
    var step = steps[index];
    var data = new FormData();
    data.append("csrf_token", csrfToken);
    data.append("expression", step.expression);
    data.append("image", blob, "snapshot.jpg");
    data.append("mirrored", "false"); // the canvas is unmirrored
    data.append("session", section.dataset.session || "");
    show([]);
    clearResult();
    say("Saving your photo…");
    fetch(section.dataset.uploadUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        throw new Error(response.status === 413 ? "That photo is too large to send." :
          "Your photo could not be sent. Please try again.");
      }
      return response.json();
    }).then(function (body) {
      clearResult();
      if (!body.ok) {
        say(body.message || "Your photo could not be saved. Please try again.", "error");
        show(["use", "retake", "skip"]);
        return;
      }
      result.dataset.snapshotId = String(body.snapshot_id);
      buttons.next.textContent = index + 1 < steps.length ? "Next expression" : "Finish";
      if (body.pending) {
        say("Saved. Checking the photo…", "capture-saved");
        show(["next"]); // no need to wait for the check to go on
        awaitCheck(body.analysis_url, body.snapshot_id, 0);
      } else {
        showCheck(body);
      }
      buttons.next.focus();
    }).catch(function (error) {
      clearResult();
      say(error.message || "Your photo could not be sent. Please try again.", "error");
      show(["use", "retake", "skip"]);
    });
  }

  // The photo check's result, in the result area and the buttons.
  function showCheck(check) {
    clearResult();
    if (check.pending) {
      say("Saved. The photo is still being checked: its page will say whether a retake would help.", "capture-saved");
    } else if (!check.analysed) {
      say("Saved. This photo could not be measured this time, but it is kept.", "capture-saved");
    } else if (check.quality_ok) {
      say("Saved. This photo looks good.", "capture-saved");
    } else {
      say("Saved. A retake would help:", "capture-saved");
      var list = document.createElement("ul");
      list.className = "capture-hints";
      check.hints.forEach(function (hint) {
        var li = document.createElement("li");
        li.textContent = hint;
        list.appendChild(li);
      });
      result.appendChild(list);
    }
    show(check.analysed && !check.quality_ok ? ["retake", "next"] : ["next"]);
  }

  // The check runs on the server after the upload: ask for it every second or so, for
  // up to CHECK_TRIES times, while this photo's result is still the one shown.
  var CHECK_TRIES = 30;
  function awaitCheck(url, snapshotId, tries) {
    window.setTimeout(function () {
      if (result.dataset.snapshotId !== String(snapshotId)) { return; } // moved on
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .catch(function () { return null; })
        .then(function (check) {
          if (result.dataset.snapshotId !== String(snapshotId)) { return; }
          if (check && !check.pending) {
            showCheck(check);
          } else if (tries + 1 < CHECK_TRIES) {
            awaitCheck(url, snapshotId, tries + 1);
          } else {
            showCheck({ pending: true });
          }
        });
    }, 1000);
  }

  function stopCamera() {
    if (timer) { window.clearTimeout(timer); timer = null; }
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
  }

  function cameraFailed() {
    stopCamera();
    section.hidden = true;
    problem.hidden = false;
  }

  buttons.start.addEventListener("click", start);
  buttons.retake.addEventListener("click", retake);
  buttons.use.addEventListener("click", upload);
  buttons.next.addEventListener("click", nextStep);
  buttons.skip.addEventListener("click", function () {
    if (timer) { window.clearTimeout(timer); timer = null; count.hidden = true; }
    nextStep();
  });
  window.addEventListener("pagehide", stopCamera);

  section.hidden = false;
  if (fileHeading && fileHeading.dataset.cameraHeading) {
    fileHeading.textContent = fileHeading.dataset.cameraHeading;
  }
  showStep();
  buttons.start.disabled = true;
  mediaDevices.getUserMedia({
    video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
    audio: false
  }).then(function (media) {
    stream = media;
    video.srcObject = media;
    var ready = function () { buttons.start.disabled = false; };
    if (video.readyState >= 2) { ready(); } else { video.addEventListener("loadeddata", ready, { once: true }); }
    var played = video.play();
    if (played && played.catch) { played.catch(function () { /* autoplay is muted: fine */ }); }
  }).catch(cameraFailed);
}());
