/* Retrain's service worker, served at /sw.js (companion/app_shell.py) so that its scope
 * is the whole app. Version {{ version }}: a hash of the files below, so a deploy that
 * changes any of them installs a new worker, which drops the old cache.
 *
 * - The app shell (styles, scripts, pictures, the offline page) is kept at install and
 *   served from the cache; live feedback's runtime once it has been used.
 * - Pages: from the network; a page the server marks with X-Offline-Page (Today, the
 *   player, reminders: a patient's own pages) is kept in a cache of that account only,
 *   for when the network is gone. No other page is ever kept, and the page scripts
 *   (app.js) delete any other account's cache, and all of them at log-out.
 * - The offline outbox (outbox.js) is sent here too, by Background Sync where the
 *   browser has it (Chromium); the pages send it themselves everywhere.
 * - Reminders: shows the pushed notification, reports it shown, opens Today on a tap
 *   (reported as opened) or the stop page from its "Stop" button.
 */
"use strict";

importScripts({{ url_for('static', filename='js/outbox.js')|tojson }});

var SHELL = "retrain-shell-{{ version }}";
var PAGES = "retrain-pages-";
var PRECACHE = {{ precache|tojson }};
var OFFLINE = {{ url_for('app_shell.offline')|tojson }};
// Live feedback's face-landmark runtime (about 10 MB, docs/live-feedback.md): kept once a
// patient has used it, never precached for everyone. Its path carries its version.
var RUNTIME = "retrain-face-mesh";
var RUNTIME_PATH = {{ url_for('static', filename='vendor/face_mesh/')|tojson }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(PRECACHE);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("retrain-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function pageCaches() {
  return caches.keys().then(function (names) {
    return names.filter(function (name) { return name.indexOf(PAGES) === 0; });
  });
}

// Keep a page for its account; any other account's pages go.
function keep(owner, request, response) {
  return pageCaches().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== PAGES + owner; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () {
    return caches.open(PAGES + owner);
  }).then(function (cache) { return cache.put(request, response); });
}

function keptCopy(request) {
  return pageCaches().then(function (names) {
    return names.reduce(function (found, name) {
      return found.then(function (hit) {
        return hit || caches.open(name).then(function (cache) {
          return cache.match(request).then(function (exact) {
            return exact || cache.match(request, { ignoreSearch: true });
          });
        });
      });
    }, Promise.resolve(null));
  }).then(function (hit) {
    return hit || caches.match(OFFLINE, { cacheName: SHELL });
  });
}

function page(event) {
  return fetch(event.request).then(function (response) {
    var owner = response.headers.get("X-Offline-Page");
    if (response.ok && owner && response.type === "basic") {
      event.waitUntil(keep(owner, event.request, response.clone()));
    }
    return response;
  }, function () {
    return keptCopy(event.request);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.indexOf(RUNTIME_PATH) === 0) {
    event.respondWith(caches.open(RUNTIME).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) {
            cache.put(request, response.clone());
          }
          return response;
        });
      });
    }));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname === {{ url_for('app_shell.manifest')|tojson }}) {
    event.respondWith(caches.match(request, { cacheName: SHELL }).then(function (hit) {
      return hit || fetch(request);
    }));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === self.RetrainOutbox.SYNC_TAG) {
    event.waitUntil(self.RetrainOutbox.syncSaved());
  }
});

function report(address) {
  return address ? fetch(address, { method: "POST", credentials: "omit" }).catch(function () {}) : null;
}

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  var shown = self.registration.showNotification(data.title || "Retrain", {
    body: data.body || "",
    icon: {{ url_for('static', filename='img/icons/icon-192.png')|tojson }},
    badge: {{ url_for('static', filename='img/icons/maskable-192.png')|tojson }},
    tag: data.tag || "retrain-reminder",
    data: { open: data.open || "/today", stop: data.stop || "/reminders" },
    // A message notice (usecases/message_notices.py) is no reminder: nothing to stop.
    actions: data.tag === "retrain-message" ? [] : [{ action: "stop", title: "Stop these reminders" }]
  });
  event.waitUntil(shown.then(function () { return report(data.shown); }));
});

self.addEventListener("notificationclick", function (event) {
  var data = event.notification.data || {};
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.action === "stop" ? data.stop : data.open));
});
