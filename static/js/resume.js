/* Carry on where the player stopped (a phone call, a closed tab): the same day only.
 *
 * player.js reports its place ("player:progress": exercise, repetitions done, skips,
 * the view); this keeps it in localStorage for this account and programme version, and
 * on the next visit the same day offers "Carry on" or "Start again". Saving the session
 * ("player:saved") forgets it; so does log-out (app.js).
 */
(function () {
  "use strict";

  var player = window.RetrainPlayer;
  var app = window.RetrainApp;
  if (!player || !app || !app.user || !window.localStorage) {
    return;
  }
  var KEY = "retrain.player." + app.user;

  function today() {
    var now = new Date();
    return now.getFullYear() + "-" + (now.getMonth() + 1) + "-" + now.getDate();
  }

  function saved() {
    try {
      var place = JSON.parse(localStorage.getItem(KEY) || "null");
      var started = place && (place.view !== "start" || place.done.some(function (n) { return n > 0; }));
      return started && place.day === today() && place.programme === player.programmeId ? place : null;
    } catch (error) {
      return null;
    }
  }

  function forget() {
    localStorage.removeItem(KEY);
  }

  function describe(place) {
    if (place.view === "summary") {
      return "You finished a session earlier today but did not save it yet.";
    }
    var done = place.done[place.index] || 0;
    return "You stopped earlier today at exercise " + (place.index + 1) + " of " + player.count +
      (done ? ", after " + done + (done === 1 ? " repetition" : " repetitions") : "") + ".";
  }

  function offer(place) {
    var start = document.getElementById("player-start");
    var box = document.createElement("div");
    box.className = "resume-offer";
    box.setAttribute("role", "group");
    box.setAttribute("aria-labelledby", "resume-text");
    var text = document.createElement("p");
    text.id = "resume-text";
    text.textContent = describe(place);
    var carry = document.createElement("button");
    carry.type = "button";
    carry.className = "button primary";
    carry.textContent = place.view === "summary" ? "Go to the summary" : "Carry on where I stopped";
    var again = document.createElement("button");
    again.type = "button";
    again.className = "button";
    again.textContent = "Start again";
    carry.addEventListener("click", function () {
      box.remove();
      player.resume(place);
    });
    again.addEventListener("click", function () {
      forget();
      box.remove();
    });
    box.appendChild(text);
    box.appendChild(carry);
    box.appendChild(again);
    start.insertBefore(box, start.firstChild);
  }

  var place = saved();
  if (place) {
    offer(place);
  }
  player.root.addEventListener("player:progress", function (event) {
    var detail = event.detail;
    localStorage.setItem(KEY, JSON.stringify({
      day: today(), programme: player.programmeId, index: detail.index,
      done: detail.done, skipped: detail.skipped, view: detail.view
    }));
  });
  player.root.addEventListener("player:saved", forget);
})();
