/* Saving the guided player's session through the offline outbox (outbox.js).
 *
 * The summary form is not posted as a page: the session goes into the outbox on this
 * device with its own Idempotency-Key, then is sent at once. Sent: on to Today (which
 * says it is saved). No network: it stays on the phone and the page says so; app.js
 * sends it when the network returns. Refused while the patient is here: the reasons
 * are shown above the form to correct, and the copy on the phone is dropped.
 * Without IndexedDB the form posts as a page, as it does without JavaScript.
 */
(function () {
  "use strict";

  var player = window.RetrainPlayer;
  var outbox = window.RetrainOutbox;
  var app = window.RetrainApp;
  var form = document.getElementById("summary-form");
  if (!player || !outbox || !app || !app.user || !form) {
    return;
  }

  function checked(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? parseInt(input.value, 10) : null;
  }

  function number(name) {
    var input = form.elements.namedItem(name);
    if (!input || input.value === "") {
      return null;
    }
    var value = Number(input.value);
    return Number.isInteger(value) ? value : -1;
  }

  function decimal(name) {
    var input = form.elements.namedItem(name);
    if (!input || input.value === "") {
      return null;
    }
    var value = Number(input.value);
    return Number.isFinite(value) ? value : -1;
  }

  // Live feedback's numbers (static/js/live/player-live.js fills them in), or null.
  function liveNumbers(prefix) {
    var scored = number(prefix + "live_reps_scored");
    if (scored === null) {
      return null;
    }
    return {
      reps_scored: scored,
      clean_reps: number(prefix + "live_clean_reps"),
      median_hold_back: decimal(prefix + "live_median_hold_back"),
      fps: decimal(prefix + "live_fps")
    };
  }

  function items() {
    var found = [];
    for (var index = 0; form.elements.namedItem("items-" + index + "-exercise_id"); index += 1) {
      var prefix = "items-" + index + "-";
      var skipped = form.elements.namedItem(prefix + "skipped");
      var item = {
        exercise_id: number(prefix + "exercise_id"),
        reps_done: number(prefix + "reps_done"),
        sets_done: number(prefix + "sets_done"),
        skipped: Boolean(skipped && skipped.checked)
      };
      var live = liveNumbers(prefix);
      if (live && !item.skipped) {
        item.live = live;
      }
      found.push(item);
    }
    return found;
  }

  function session() {
    var note = form.elements.namedItem("note");
    return {
      performed_at: new Date().toISOString(),
      effort: checked("effort"),
      synkinesis_rating: checked("synkinesis_rating"),
      note: note && note.value.trim() ? note.value.trim() : null,
      items: items()
    };
  }

  // What the server would refuse at once, said before anything is kept.
  function problems(body) {
    var found = [];
    if (body.effort === null) { found.push("Please choose how hard it felt."); }
    if (body.synkinesis_rating === null) { found.push("Please choose how much synkinesis you felt."); }
    body.items.forEach(function (item) {
      if (!item.skipped && (item.reps_done === null || item.reps_done < 0)) {
        found.push("Please enter how many repetitions you did, or tick Skipped.");
      }
    });
    return found;
  }

  function message(lines, kind) {
    var box = document.getElementById("save-message");
    if (!box) {
      box = document.createElement("div");
      box.id = "save-message";
      box.tabIndex = -1;
      form.parentNode.insertBefore(box, form); // outside: the form hides once saved here
    }
    box.className = kind === "saved" ? "saved-here" : "form-errors";
    box.setAttribute("role", kind === "saved" ? "status" : "alert");
    box.textContent = "";
    lines.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      box.appendChild(p);
    });
    box.focus();
  }

  function askBackgroundSync() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.sync && registration.sync.register(outbox.SYNC_TAG);
    }).catch(function () {});
  }

  var sending = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) {
      return;
    }
    var body = session();
    var found = problems(body);
    if (found.length) {
      message(found, "error");
      return;
    }
    sending = true;
    var entry = { key: outbox.newKey(), user: app.user, savedAt: body.performed_at, body: body, status: "waiting" };
    outbox.add(entry).then(function () {
      player.root.dispatchEvent(new CustomEvent("player:saved"));
      askBackgroundSync();
      return outbox.send(entry, app.csrf, true);
    }, function () {
      sending = false;
      form.submit(); // no IndexedDB here: the plain post
      return null;
    }).then(function (result) {
      if (!result) {
        return;
      }
      if (result.state === "sent") {
        return outbox.remove(entry.key).then(function () { window.location.assign("/today"); });
      }
      sending = false;
      if (result.state === "refused") {
        var reasons = Object.keys(result.fields).map(function (key) { return result.fields[key]; });
        return outbox.remove(entry.key).then(function () {
          message(reasons.length ? reasons : [result.reason], "error");
        });
      }
      form.hidden = true;
      message(["Your session is saved on this phone, not sent yet. It will be sent by itself when you are back online. You can close this page."], "saved");
      app.show();
    });
  });
})();
