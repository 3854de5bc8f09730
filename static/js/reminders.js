/* The reminder settings page: notifications on this device (Web Push).
 *
 * The permission prompt comes only from a tap (iOS requires it, and it is kinder). The
 * browser's subscription (its push address and keys) goes to /reminders/device with the
 * page's CSRF token; turning it off unsubscribes and tells the server. Where push is not
 * possible (an iPhone browser tab, an old browser) the page explains how to install.
 */
(function () {
  "use strict";

  var box = document.getElementById("push-device");
  var app = window.RetrainApp;
  if (!box || !app) {
    return;
  }
  var status = document.getElementById("push-status");
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  function say(text) {
    status.textContent = text;
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": app.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (answer) {
          throw new Error((answer.error && answer.error.message) || "That did not work.");
        });
      }
      return response;
    });
  }

  function registration() {
    return navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function showState(subscription) {
    on.hidden = Boolean(subscription);
    off.hidden = !subscription;
    say(subscription ? "Notifications are on for this device." : "This device does not get notifications yet.");
  }

  if (!supported) {
    document.getElementById("push-install").hidden = false;
    return;
  }
  registration().then(function (reg) { return reg.pushManager.getSubscription(); })
    .then(showState, function () { showState(null); });

  on.addEventListener("click", function () {
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        throw new Error("Notifications are blocked for Retrain in this browser's settings. Allow them there, then try again.");
      }
      return registration();
    }).then(function (reg) {
      return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(box.getAttribute("data-key")) });
    }).then(function (subscription) {
      return post("/reminders/device", subscription.toJSON());
    }).then(function () {
      window.location.reload();
    }).catch(function (error) {
      say(error.message || "Notifications could not be turned on here.");
    });
  });

  off.addEventListener("click", function () {
    registration().then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (subscription) {
      if (!subscription) {
        return null;
      }
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return post("/reminders/device/remove", { endpoint: endpoint });
      });
    }).then(function () { showState(null); }, function (error) { say(error.message); });
  });
})();
