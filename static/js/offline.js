/*
 * Cultural Terrenkur: offline walking on the map page.
 *
 * Registers the service worker (sw.js at the site root), asks it to keep what this
 * visit needs, each thing once: the page shell of this language (never a copy per
 * permalink: the worker answers any permalink from the shell), its scripts, styles
 * and icons, this language's data at its version (the detail chunks, and the route
 * and stops unless the page holds them itself),
 * every stop's phone-sized photo and the tiles on screen. Shows a note when the map
 * is offline and how old its data is, and runs "save this route for offline": the
 * number of tiles and their estimated size first, then a download with progress.
 * Every string comes translated from the #offline-settings blob; text is set with
 * textContent. Needs common.js.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var fmt = C.fmt;
  if (!document.getElementById("offline-settings")) return;
  var O = C.readSettings("offline-settings");
  var T = O.strings;
  var lang = document.documentElement.lang || "en";
  var root = document.documentElement;
  var KEEP_AFTER_LOAD_MS = 5000; // at most this long waiting for the first tiles
  var supported = "serviceWorker" in navigator && window.isSecureContext && "caches" in window;
  var worker = null; // the active service worker, once registered
  var saving = false;

  function $(id) { return document.getElementById(id); }

  var note = $("offline-note");
  var reloadBtn = $("offline-reload");
  var stateEl = $("offline-state");
  var saveBtn = $("save-route");
  var reasonEl = $("save-route-reason");
  var confirmBox = $("save-route-confirm");
  var estimateEl = $("save-route-estimate");
  var startBtn = $("save-route-start");
  var cancelBtn = $("save-route-cancel");
  var progressBox = $("save-route-progress");
  var progressBar = $("save-route-bar");
  var progressText = $("save-route-status");
  var stopBtn = $("save-route-stop");

  function number(n, digits) { return C.number(n, digits, lang); }

  function sizeText(bytes) {
    if (bytes < 1000 * 1000) return fmt(T.kb, { n: number(Math.max(1, Math.round(bytes / 1000)), 0) });
    return fmt(T.mb, { n: number(bytes / 1e6, 1) });
  }

  function dataAge() {
    return O.changedText ? fmt(T.dataAge, { date: O.changedText }) : "";
  }

  /* --- online / offline --- */

  var offline = false;
  var pageFromCache = false;
  var stateText = ""; // what the panel says about offline use while online

  function showState(text) {
    if (text !== undefined) stateText = text;
    stateEl.textContent = offline ? (T.offline + " " + dataAge()).trim() : stateText;
  }

  function setOffline(value) {
    offline = value;
    root.setAttribute("data-offline", String(value));
    if (value) {
      note.textContent = (T.offlineShort + " " + dataAge()).trim();
      reloadBtn.hidden = true;
    } else if (pageFromCache) {
      note.textContent = T.backOnline;
      reloadBtn.hidden = false; // this page is an old copy: offer the new data
    } else {
      note.textContent = "";
      reloadBtn.hidden = true;
    }
    showState();
    updateSaveButton();
  }

  /* Ask for the manifest (the worker tries the network first for it): a copy from
   * the worker's cache (or no answer) means offline. */
  function check() {
    var manifest = document.querySelector('link[rel="manifest"]');
    if (!manifest) return setOffline(!navigator.onLine);
    fetch(manifest.href, { cache: "no-store" }).then(function (response) {
      if (response.headers.get("X-Terrenkur-Saved-At")) {
        pageFromCache = true;
        setOffline(true);
      } else {
        setOffline(false);
      }
    }, function () {
      pageFromCache = true;
      setOffline(true);
    });
  }

  reloadBtn.addEventListener("click", function () { location.reload(); });
  window.addEventListener("offline", function () { setOffline(true); });
  window.addEventListener("online", check);
  if (!navigator.onLine) setOffline(true);
  check();

  /* --- the service worker --- */

  function ask(message, onMessage) {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        if (onMessage && event.data && event.data.type === "progress") onMessage(event.data);
        else resolve(event.data);
      };
      worker.postMessage(message, [channel.port2]);
    });
  }

  function absolute(url) { return new URL(url, location.href).href; }

  /* Everything this visit needs again offline. Not location.href: after a card
   * opens that is the work's permalink, which the worker answers from the shell. */
  function visitUrls() {
    var urls = [absolute(O.shell)];
    O.data.forEach(function (u) { urls.push(absolute(u)); });
    var manifest = document.querySelector('link[rel="manifest"]');
    if (manifest) urls.push(manifest.href);
    performance.getEntriesByType("resource").forEach(function (e) { urls.push(e.name); });
    if ($(O.mapSettings)) {
      C.readSettings(O.mapSettings).kinds.forEach(function (k) { urls.push(absolute(k.icon)); });
    }
    if (window.Terrenkur && Terrenkur.photoUrls) urls = urls.concat(Terrenkur.photoUrls());
    if (window.TerrenkurWalk && TerrenkurWalk.dataUrl) urls.push(absolute(TerrenkurWalk.dataUrl)); // walk.js
    var seen = {};
    return urls.filter(function (u) { return seen[u] ? false : (seen[u] = true); });
  }

  /* Once the map has its stops and their details (their photos are kept too), or failed
   * to get them. */
  function mapReady() {
    var ready = window.Terrenkur && Terrenkur.ready;
    if (ready && Terrenkur.allDetails) ready = Terrenkur.allDetails();  // the galleries too
    return ready ? ready.catch(function () {}) : Promise.resolve();
  }

  /* Resolves once the tiles on screen have loaded (or after a while). */
  function tilesSettled() {
    return new Promise(function (resolve) {
      var map = window.Terrenkur && window.Terrenkur.map;
      var pending = [];
      if (map && window.L) {
        map.eachLayer(function (layer) {
          if (layer instanceof L.TileLayer && layer.isLoading && layer.isLoading()) pending.push(layer);
        });
      }
      if (!pending.length) return resolve();
      var timer = setTimeout(resolve, KEEP_AFTER_LOAD_MS);
      var left = pending.length;
      pending.forEach(function (layer) {
        layer.once("load", function () {
          left -= 1;
          if (!left) { clearTimeout(timer); resolve(); }
        });
      });
    });
  }

  function whenLoaded() {
    return new Promise(function (resolve) {
      if (document.readyState === "complete") resolve();
      else window.addEventListener("load", function () { resolve(); }, { once: true });
    });
  }

  var sent = {};

  /* Ask the worker to keep the URLs not sent yet; resolves with its reply. The
   * version lets it drop the data (and shells) of other versions. */
  function keepNew(urls) {
    var fresh = urls.filter(function (u) { return !sent[u]; });
    fresh.forEach(function (u) { sent[u] = true; });
    return ask({ type: "keep", urls: fresh, version: O.version, shell: absolute(O.shell) });
  }

  /* Files loaded before the worker took control that the first pass missed (tiles
   * still loading then): checked again whenever new files come in. */
  var arrived = [];

  function keepLateArrivals() {
    if (!window.PerformanceObserver) return;
    var timer = null;
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) { arrived.push(e.name); });
      clearTimeout(timer);
      timer = setTimeout(keepNow, 1000);
    }).observe({ type: "resource" });
  }

  function keepNow() {
    var urls = visitUrls().concat(arrived);
    arrived = [];
    return worker && !offline ? keepNew(urls) : Promise.resolve(null);
  }

  function keepThisVisit() {
    return whenLoaded().then(mapReady).then(tilesSettled).then(function () {
      return keepNew(visitUrls());
    }).then(function (reply) {
      root.setAttribute("data-offline-ready", reply && reply.failed === 0 ? "true" : "partial");
      showState((T.ready + " " + dataAge()).trim());
      keepLateArrivals();
    });
  }

  if (supported) {
    showState(T.notReady);
    navigator.serviceWorker.register(O.worker, { scope: O.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      worker = registration.active;
      updateSaveButton();
      return offline ? null : keepThisVisit();
    }).catch(function () {
      showState(T.unsupported);
      root.setAttribute("data-offline-ready", "false");
    });
  } else {
    showState(T.unsupported);
  }

  /* --- save this route for offline --- */

  function setReason(text) {
    if (!reasonEl) return;
    reasonEl.textContent = text;
    reasonEl.hidden = !text;
  }

  function updateSaveButton() {
    if (!saveBtn || !O.tiles) return; // no tiles: the template says why, the button stays off
    var reason = !supported ? T.unsupported : offline ? T.offlineNow : "";
    saveBtn.disabled = !!reason || !worker || saving;
    setReason(reason);
  }

  function tileUrls() {
    var t = O.tiles;
    var retina = window.L && L.Browser && L.Browser.retina ? "@2x" : "";
    return t.list.map(function (zxy) {
      var x = zxy[1];
      var y = zxy[2];
      var s = t.subdomains.charAt(Math.abs(x + y) % t.subdomains.length);
      return absolute(fmt(t.template, { s: s, z: zxy[0], x: x, y: y, r: retina }));
    });
  }

  function zoomsText() {
    var z = O.tiles.zooms;
    return z.length > 1 ? z[0] + "–" + z[z.length - 1] : String(z[0]);
  }

  /* Walk mode's audio stories in the page's language (static/js/walk.js), saved too. */
  function stories() {
    var W = window.TerrenkurWalk;
    return W && W.offlineAudio ? W.offlineAudio() : { urls: [], bytes: 0, count: 0 };
  }

  function showConfirm(reply) {
    var average = reply.averageBytes || O.tiles.assumedBytes;
    var audio = stories();
    var text = fmt(T.estimate, { n: number(reply.total, 0), zooms: zoomsText(), size: sizeText(reply.missing * average) });
    var already = reply.total - reply.missing;
    if (already > 0) text += " " + fmt(T.alreadySaved, { n: number(already, 0) });
    if (audio.count) {
      text += " " + fmt(T.audio, { n: number(audio.count, 0), size: sizeText(audio.bytes) });
      text += " " + fmt(T.total, { size: sizeText(reply.missing * average + audio.bytes) });
    }
    confirmBox.setAttribute("data-audio-bytes", String(audio.bytes));
    estimateEl.textContent = text;
    confirmBox.hidden = false;
    confirmBox.setAttribute("data-tiles", String(reply.total));
    confirmBox.setAttribute("data-missing", String(reply.missing));
    startBtn.focus();
  }

  function finish(reply) {
    saving = false;
    stopBtn.hidden = true;
    var kind = reply.type;
    var text;
    if (kind === "cancelled") text = fmt(T.cancelled, { n: number(reply.done, 0) });
    else if (reply.failed) text = fmt(T.failed, { n: number(reply.failed, 0) });
    else text = fmt(T.saved, { n: number(reply.done, 0), size: sizeText(reply.bytes) });
    progressText.textContent = text;
    progressText.setAttribute("aria-busy", "false");
    progressBox.setAttribute("data-state", kind === "saved" && !reply.failed ? "saved" : kind === "saved" ? "failed" : kind);
    updateSaveButton();
    saveBtn.focus();
  }

  if (saveBtn && O.tiles) {
    saveBtn.addEventListener("click", function () {
      if (!worker) return;
      saveBtn.disabled = true;
      ask({ type: "estimate", urls: tileUrls() }).then(showConfirm).catch(updateSaveButton);
    });

    cancelBtn.addEventListener("click", function () {
      confirmBox.hidden = true;
      updateSaveButton();
      saveBtn.focus();
    });

    startBtn.addEventListener("click", function () {
      var urls = tileUrls();
      confirmBox.hidden = true;
      saving = true;
      updateSaveButton();
      progressBox.hidden = false;
      progressBox.setAttribute("data-state", "saving");
      progressBar.max = urls.length;
      progressBar.value = 0;
      stopBtn.hidden = false;
      progressText.setAttribute("aria-busy", "true"); // announce the outcome, not every tile
      progressText.textContent = fmt(T.progress, { done: 0, total: number(urls.length, 0) });
      ask({ type: "save-tiles", urls: urls }, function (p) {
        progressBar.value = p.done + p.failed;
        progressText.textContent = fmt(T.progress, { done: number(p.done, 0), total: number(p.total, 0) });
      }).then(function (reply) {
        var audio = stories();
        if (reply.type !== "saved" || !audio.urls.length) return finish(reply);
        return ask({ type: "keep", urls: audio.urls }).then(function (kept) {
          progressBox.setAttribute("data-audio-saved", String(kept.ok));
          reply.failed += kept.failed;
          reply.bytes += audio.bytes;
          finish(reply);
        });
      });
    });

    stopBtn.addEventListener("click", function () {
      if (worker) worker.postMessage({ type: "cancel" });
    });
  }

  window.TerrenkurOffline = {
    /* keep what has loaded since the last pass now (the tests wait for it) */
    keepNow: function () { return tilesSettled().then(keepNow); },
    stats: function () { return worker ? ask({ type: "stats" }) : Promise.resolve(null); }
  };
})();
