/* The installable app on every page (templates/base.html):
 * - registers the service worker (/sw.js, scope: the whole app);
 * - keeps only this account's pages for offline use (the service worker keeps pages in a
 *   cache per account; any other account's is deleted here, all of them when logged out);
 * - sends the offline outbox (outbox.js) on load, when the network returns and when the
 *   page comes back into view, and shows what waits or was refused, with the reason;
 * - at log-out: sends what it can, asks before dropping what it cannot, then clears the
 *   outbox, this account's cached pages, the player's saved place and this device's
 *   notifications, before the log-out form goes.
 */
(function () {
  "use strict";

  var body = document.body;
  var user = body.getAttribute("data-user") || "";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var outbox = window.RetrainOutbox;
  var PAGES = "retrain-pages-";

  function deletePageCaches(keep) {
    if (!window.caches) {
      return Promise.resolve();
    }
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PAGES) === 0 && name !== keep;
      }).map(function (name) { return caches.delete(name); }));
    });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
  deletePageCaches(user ? PAGES + user : null).catch(function () {});

  /* --- the outbox on the page ------------------------------------------------------ */

  function when(iso) {
    var date = new Date(iso);
    return date.toLocaleDateString([], { weekday: "long" }) + " " +
      date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function panel() {
    var found = document.getElementById("outbox-panel");
    if (!found) {
      found = document.createElement("section");
      found.id = "outbox-panel";
      found.className = "card outbox";
      found.setAttribute("aria-live", "polite");
      found.setAttribute("aria-label", "Sessions saved on this phone");
      var main = document.getElementById("main");
      main.insertBefore(found, main.firstChild);
    }
    return found;
  }

  function line(entry) {
    var item = document.createElement("li");
    var text = document.createElement("p");
    if (entry.status === "refused") {
      item.className = "outbox-refused";
      text.textContent = "Your session of " + when(entry.savedAt) + " could not be saved: " + entry.reason;
      item.appendChild(text);
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "button";
      drop.textContent = "Remove it from this phone";
      drop.addEventListener("click", function () { outbox.remove(entry.key).then(show); });
      item.appendChild(drop);
    } else {
      text.textContent = "Your session of " + when(entry.savedAt) +
        " is saved on this phone, not sent yet. It will be sent when you are back online.";
      item.appendChild(text);
    }
    return item;
  }

  function show() {
    if (!outbox || !user) {
      return Promise.resolve([]);
    }
    return outbox.list(user).then(function (entries) {
      var existing = document.getElementById("outbox-panel");
      if (!entries.length) {
        if (existing) { existing.remove(); }
        return entries;
      }
      var box = panel();
      box.textContent = "";
      var heading = document.createElement("h2");
      heading.textContent = "Saved on this phone";
      var items = document.createElement("ul");
      items.className = "outbox-list";
      entries.forEach(function (entry) { items.appendChild(line(entry)); });
      box.appendChild(heading);
      box.appendChild(items);
      return entries;
    }, function () { return []; });
  }

  function sync() {
    if (!outbox || !user) {
      return Promise.resolve(null);
    }
    return outbox.sync(user, csrf).then(function (summary) {
      return show().then(function () {
        // Today counts sessions: show the ones that just arrived.
        if (summary.sent && body.getAttribute("data-page") === "patient.today") {
          window.location.reload();
        }
        return summary;
      });
    }, function () { return null; });
  }

  if (outbox && user) {
    outbox.setIdentity(user, csrf).catch(function () {});
    show().then(sync);
    window.addEventListener("online", sync);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { sync(); }
    });
  }

  window.RetrainApp = { user: user, csrf: csrf, sync: sync, show: show };

  /* --- the navigation folds behind "Menu" on phones (retrain.css, .nav-folds) --------- */

  var navToggle = document.querySelector(".nav-toggle");
  if (navToggle) {
    var navList = document.getElementById(navToggle.getAttribute("aria-controls"));
    navToggle.closest(".site-header").classList.add("nav-folds");
    navToggle.hidden = false;
    navToggle.addEventListener("click", function () {
      var open = navToggle.getAttribute("aria-expanded") !== "true";
      navToggle.setAttribute("aria-expanded", open ? "true" : "false");
      navList.classList.toggle("open", open);
    });
  }

  /* --- a form sent back with problems: the first one in view ------------------------ */
  /* The answer to a refused form is the page again, scrolled to its top; on a long page
   * (the review, a session with many exercises) the message beside the field would be
   * out of sight and the form would look as if nothing happened. The field's box gets
   * the focus (not its input: a phone would open its keyboard over the message), so a
   * screen reader reads its label and message. */

  var problem = document.querySelector("main .has-error, main p.error[role='alert']")
    || document.querySelector("main .form-errors");
  if (problem) {
    problem.setAttribute("tabindex", "-1");
    problem.focus({ preventScroll: true });
    problem.scrollIntoView({ block: "center" });
  }

  /* --- "Print" buttons (the programme sheet): no inline handlers under the CSP ------- */

  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  /* --- charts wider than a phone open at their newest end (the right) ----------------- */
  /* or where the chart says (data-open-at, a share of its width: the overlay of cycles
   * by days since injection opens at the current cycle's latest day, a quarter of the
   * view left after it). */
  /* The y axis's numbers (.chart-y-axis, a white strip drawn last) move with the scroll,
   * so the scale stays at the left edge of what the phone shows. */

  function keepYAxisInView(frame) {
    var svg = frame.querySelector("svg");
    var axis = svg && svg.querySelector(".chart-y-axis");
    var width = svg && svg.getBoundingClientRect().width;
    if (!axis || !width) {
      return;
    }
    var units = (frame.scrollLeft * svg.viewBox.baseVal.width) / width;
    axis.setAttribute("transform", units > 0 ? "translate(" + units.toFixed(1) + " 0)" : "");
  }

  var chartFrames = document.querySelectorAll(".chart-frame");
  Array.prototype.forEach.call(chartFrames, function (frame) {
    var openAt = parseFloat(frame.getAttribute("data-open-at"));
    frame.scrollLeft = isNaN(openAt)
      ? frame.scrollWidth
      : openAt * frame.scrollWidth - 0.75 * frame.clientWidth;
    keepYAxisInView(frame);
    frame.addEventListener("scroll", function () { keepYAxisInView(frame); }, { passive: true });
  });
  window.addEventListener("resize", function () {
    Array.prototype.forEach.call(chartFrames, keepYAxisInView); // e.g. the phone turned
  });

  /* --- "Add to Home Screen" where the browser offers it (Chromium) -------------------- */

  var installPrompt = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    var offer = document.getElementById("install-now");
    if (!offer) {
      return;
    }
    event.preventDefault();
    installPrompt = event;
    offer.hidden = false;
  });
  var installButton = document.getElementById("install-button");
  if (installButton) {
    installButton.addEventListener("click", function () {
      if (installPrompt) {
        installPrompt.prompt();
        installPrompt = null;
        document.getElementById("install-now").hidden = true;
      }
    });
  }

  /* --- log-out ----------------------------------------------------------------------- */

  function forgetPush() {
    if (!("serviceWorker" in navigator) || !window.PushManager) {
      return Promise.resolve();
    }
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      return registration && registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) {
        return null;
      }
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return fetch("/reminders/device/remove", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify({ endpoint: endpoint })
        });
      });
    }).catch(function () {});
  }

  function clearDevice() {
    Object.keys(localStorage).filter(function (key) { return key.indexOf("retrain.") === 0; })
      .forEach(function (key) { localStorage.removeItem(key); });
    return Promise.all([outbox ? outbox.clear() : null, deletePageCaches(null), forgetPush()]);
  }

  Array.prototype.forEach.call(document.querySelectorAll('form[action$="/logout"]'), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-cleared") === "yes") {
        return;
      }
      event.preventDefault();
      sync().then(function () {
        return outbox && user ? outbox.list(user) : [];
      }).then(function (left) {
        var waiting = left.filter(function (entry) { return entry.status === "waiting"; }).length;
        if (waiting && !window.confirm(waiting + (waiting === 1 ? " session is" : " sessions are") +
            " saved on this phone but not sent yet. If you log out now, " +
            (waiting === 1 ? "it" : "they") + " will be lost. Log out anyway?")) {
          return false;
        }
        return clearDevice().then(function () { return true; });
      }).then(function (go) {
        if (go) {
          form.setAttribute("data-cleared", "yes");
          form.submit();
        }
      });
    });
  });
})();
