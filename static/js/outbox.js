/* The offline outbox: practice sessions saved on this device until the server has them.
 *
 * Shared by the pages (app.js, player-save.js) and the service worker (importScripts in
 * /sw.js), so it uses only what both have: IndexedDB, fetch, promises.
 *
 * Each entry: { key, user, savedAt, body, status: "waiting" | "refused", reason, fields }.
 * `key` is made on the device once per session and sent as the Idempotency-Key header,
 * so however often an entry is sent (a retry, a page reloaded mid-send, the page and the
 * service worker at once) the server stores it once: 201 the first time, 200 after.
 * Entries are sent to /session/outbox with the login cookie and the page's CSRF token
 * (kept here as "identity" so Background Sync can send too); never a bearer token.
 * A refusal (422) keeps the entry with the server's reason for the patient to read.
 */
(function (scope) {
  "use strict";

  var DB_NAME = "retrain";
  var OUTBOX = "outbox";
  var META = "meta";
  var SYNC_TAG = "retrain-outbox";
  var ENDPOINT = "/session/outbox";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(OUTBOX, { keyPath: "key" });
        request.result.createObjectStore(META);
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // One transaction on one store; resolves with what `work` returned (or its request's result).
  function run(storeName, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var outcome = work(tx.objectStore(storeName));
        tx.oncomplete = function () {
          db.close();
          resolve(outcome && "result" in outcome ? outcome.result : outcome);
        };
        tx.onerror = tx.onabort = function () {
          db.close();
          reject(tx.error);
        };
      });
    });
  }

  function put(entry) {
    return run(OUTBOX, "readwrite", function (store) { store.put(entry); });
  }

  function remove(key) {
    return run(OUTBOX, "readwrite", function (store) { store.delete(key); });
  }

  function list(user) {
    return run(OUTBOX, "readonly", function (store) { return store.getAll(); }).then(function (all) {
      return all.filter(function (entry) { return entry.user === user; })
        .sort(function (a, b) { return a.savedAt < b.savedAt ? -1 : 1; });
    });
  }

  function setIdentity(user, csrf) {
    return run(META, "readwrite", function (store) { store.put({ user: user, csrf: csrf }, "identity"); });
  }

  function identity() {
    return run(META, "readonly", function (store) { return store.get("identity"); });
  }

  // Everything gone: the outbox and the identity (at log-out).
  function clear() {
    return new Promise(function (resolve) {
      var request = scope.indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }

  function newKey() {
    if (scope.crypto && scope.crypto.randomUUID) {
      return scope.crypto.randomUUID();
    }
    var bytes = scope.crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // One entry to the server: "sent" (stored now or before), "refused" (with the
  // reason) or "later" (offline, logged out, a stale page, the server unwell).
  function send(entry, csrf, flash) {
    return scope.fetch(ENDPOINT + (flash ? "?flash=1" : ""), {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf || "", "Idempotency-Key": entry.key },
      body: JSON.stringify(entry.body)
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        return { state: "sent" };
      }
      if (response.status === 422) {
        return response.json().then(function (answer) {
          var error = answer.error || {};
          return { state: "refused", reason: error.message || "The session was not accepted.", fields: error.fields || {} };
        }, function () { return { state: "refused", reason: "The session was not accepted.", fields: {} }; });
      }
      return { state: "later" };
    }, function () { return { state: "later" }; });
  }

  var busy = null;

  // Send every waiting entry of `user`, oldest first; stops at the first "later".
  function sync(user, csrf) {
    if (busy) {
      return busy;
    }
    var summary = { sent: 0, refused: 0, waiting: 0 };
    busy = list(user).then(function (entries) {
      var waiting = entries.filter(function (entry) { return entry.status === "waiting"; });
      function next(index) {
        if (index >= waiting.length) {
          return summary;
        }
        var entry = waiting[index];
        return send(entry, csrf, false).then(function (result) {
          if (result.state === "sent") {
            summary.sent += 1;
            return remove(entry.key).then(function () { return next(index + 1); });
          }
          if (result.state === "refused") {
            summary.refused += 1;
            entry.status = "refused";
            entry.reason = result.reason;
            entry.fields = result.fields;
            return put(entry).then(function () { return next(index + 1); });
          }
          summary.waiting = waiting.length - index;
          return summary;
        });
      }
      return next(0);
    }).then(function (result) {
      busy = null;
      return result;
    }, function (error) {
      busy = null;
      throw error;
    });
    return busy;
  }

  // The service worker's Background Sync: as the last page left it; rejects while
  // entries still wait, so the browser tries again later.
  function syncSaved() {
    return identity().then(function (who) {
      if (!who || !who.user) {
        return null;
      }
      return sync(who.user, who.csrf).then(function (summary) {
        if (summary.waiting) {
          throw new Error("Some sessions are still waiting.");
        }
        return summary;
      });
    });
  }

  scope.RetrainOutbox = {
    SYNC_TAG: SYNC_TAG,
    add: put,
    put: put,
    remove: remove,
    list: list,
    setIdentity: setIdentity,
    identity: identity,
    clear: clear,
    newKey: newKey,
    send: send,
    sync: sync,
    syncSaved: syncSaved
  };
})(self);
