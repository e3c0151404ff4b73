/*
 * Cultural Terrenkur service worker: the walk map with no signal.
 *
 * Served from the site root (the app's /sw.js, or a static export's sw.js), so its
 * scope is the whole site. The tile URL template and the interface languages come
 * in its own URL: sw.js?tiles=<template>&langs=en,ru,kk. The template has {s}, {z},
 * {x}, {y} and {r}; the languages (mapapp.contract's) name the <lang>/ folders of a
 * static export's pages.
 *
 * Each thing is kept once, in the cache of its kind:
 * - shell: the map page of each language, stored only when the page asks ("keep"),
 *   stamped with its data version; never a copy per permalink. Navigations to a map
 *   page or a permalink: network first (nothing stored), else the language's shell
 *   (the page's script reads the permalink's work from the URL). The manifests
 *   too, network first. Copies served from the cache carry X-Terrenkur-Saved-At, so
 *   the page can tell.
 * - events: "What's on", the event pages and /api/events.json, stored when
 *   events.js asks ("keep"), network first; dropped on signing out like the shell.
 * - data-<version>: the map's data at one version (route, stop table, detail chunks:
 *   /api/...?v=<version> from the app, data/<version>/... in an export). The URL
 *   names the version, so cache first; when a visit has kept a new version, the
 *   data and shells of other versions are dropped.
 * - assets: scripts, styles and icons, cache first (versioned URLs, ?v=...); an
 *   older version of the same file is dropped when a new one is stored.
 * - photos: phone-sized photos, cache first; photos of works gone are dropped.
 * - audio: walk mode's stories, kept whole when the route is saved for offline (random
 *   names that never change: cache first); Range requests answered from the copy (206).
 * - walk: walk mode's data (/api/walk.json?lang=), network first.
 * - tiles: cache first; tiles seen while browsing are kept up to SEEN_TILES_MAX
 *   tiles and SEEN_TILES_MAX_BYTES bytes, oldest dropped first; tiles saved with
 *   "save this route for offline" are kept apart and are not evicted.
 * Nothing private is kept in the caches above: a response its server marks private
 * or no-store (storable(); the server marks everything a signed-in curator gets:
 * drafts, their photos, curator pages) is never stored there, and signing out (POST
 * logout) drops the kept shells, events, data and photos before it goes through; the
 * next map visit keeps them again.
 * The one exception, for fieldwork: the curators' field survey page (curator/survey)
 * and the list of works it shows (api/curator/installations) are kept, network first,
 * in a cache of their own (CACHES.curator, keepable()), never shared with the public
 * pages and never answering any other URL, so the page opens again with no signal.
 * Signing out deletes that cache and the survey's offline queue (IndexedDB
 * "terrenkur-survey") with the rest.
 *
 * The page talks to it with postMessage over a MessageChannel:
 *   {type: "keep", urls, version, shell}   cache what a visit needs (or the stories
 *                               walk mode saves with the route)
 *                               -> {type: "kept", ok, failed}
 *   {type: "estimate", urls}    -> {type: "estimate", missing, averageBytes}
 *   {type: "save-tiles", urls}  -> {type: "progress", ...}... then {type: "saved", ...}
 *   {type: "cancel"}            stops a running save
 *   {type: "stats"}             -> {type: "stats", caches: {name: {entries, bytes}}}
 *   {type: "keep-survey", data} from the survey page: keep it and its works list (data)
 *                               -> {type: "kept-survey", ok}
 */
"use strict";

var PREFIX = "terrenkur-";
var SCOPE = self.registration.scope;
var SCOPE_PATH = new URL(SCOPE).pathname;
var PARAMS = new URL(self.location.href).searchParams;
var TILE_TEMPLATE = PARAMS.get("tiles") || "";
var LANGUAGES = (PARAMS.get("langs") || "").split(",").filter(Boolean);
var TILES_ID = hash(TILE_TEMPLATE);
var DATA_PREFIX = PREFIX + "data-";
var CACHES = {
  shell: PREFIX + "shell-v2",
  events: PREFIX + "events-v1",
  assets: PREFIX + "assets-v1",
  photos: PREFIX + "photos-v2",
  audio: PREFIX + "audio-v1",
  walk: PREFIX + "walk-v1",
  tiles: PREFIX + "tiles-" + TILES_ID,
  route: PREFIX + "route-tiles-" + TILES_ID,
  curator: PREFIX + "curator-v1"  // the survey page's offline shell: private, dropped at sign-out
};
var SURVEY_DB = "terrenkur-survey";
var SIGN_OUT_WAIT_MS = 3000;
var SEEN_TILES_MAX = 1500;
var SEEN_TILES_MAX_BYTES = 40 * 1000 * 1000;
var TILE_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
var NETWORK_TIMEOUT_MS = 4000;
var SAVE_CONCURRENCY = 4;
var SAVED_AT = "X-Terrenkur-Saved-At";
var BYTES = "X-Terrenkur-Bytes";
var VERSION = "X-Terrenkur-Version";

/* Paths relative to the scope, under a route's key in the app ("esentai/",
 * "esentai/installations/<slug>") and in an export ("", "ru/", "kk/installations/<slug>/",
 * or the same under "<route>/"): ROUTE_AND_LANG is that prefix. */
var LANG_DIR = LANGUAGES.length
  ? "(?:(?:" + LANGUAGES.map(escapeRegExp).join("|") + ")\\/)?"
  : "";
var ROUTE_AND_LANG = "((?:[a-z0-9]+(?:-[a-z0-9]+)*\\/)?" + LANG_DIR + ")";
var PAGE = new RegExp("^" + ROUTE_AND_LANG + "(?:installations\\/[^/]+\\/?)?(?:index\\.html)?$");
var PERMALINK = new RegExp("^" + ROUTE_AND_LANG + "installations\\/([^/]+?)\\/?(?:index\\.html)?$");
/* A route's data in the app: /api/routes/<route>/... */
var ROUTE_API = "api\\/routes\\/[a-z0-9-]+\\/";
/* The map's versioned data: the app's /api/routes/<route>/... with ?v=, an export's data/<version>/... */
var APP_DATA = new RegExp("^" + ROUTE_API + "(?:route\\.geojson|stops\\.json|details\\/\\d+\\.json)$");
var EXPORT_DATA = /^(?:[a-z0-9-]+\/)?data\/([0-9a-f]+)\/(?:route\.geojson|[a-z]+\/(?:stops|details-\d+)\.json)$/;
// events (events.js asks to keep them): "What's on", event pages, their JSON; network first
var EVENTS = new RegExp(
  "^" + ROUTE_AND_LANG + "events(?:\\/[^/]+)?\\/?(?:index\\.html)?$|^" + ROUTE_API + "events\\.json$"
);
var MANIFEST = new RegExp("^" + ROUTE_AND_LANG + "manifest\\.webmanifest$");
var ASSET = /^(?:static|vendor)\//;
var PHOTO = /^media\/phone\/[^/]+$/;
var SURVEY_PAGE = new RegExp("^" + LANG_DIR + "curator\\/survey$");
var SURVEY_DATA = /^api\/curator\/installations$/;
var AUDIO = /^audio\/[0-9a-f]{16}\.(?:mp3|m4a|ogg|opus)$/;
var WALK_DATA = new RegExp("^" + ROUTE_API + "walk\\.json$");

var tilePattern = compileTemplate(TILE_TEMPLATE);
var corsFails = false;
var saving = null;

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function hash(text) {
  var h = 5381;
  for (var i = 0; i < text.length; i++) h = ((h * 33) ^ text.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

/* The template as a RegExp with the positions of z, x, y and r. */
function compileTemplate(template) {
  if (!template) return null;
  var full = template;
  if (/^\/\//.test(full)) full = self.location.protocol + full;
  else if (/^\//.test(full)) full = self.location.origin + full;
  else if (!/^[a-z][a-z0-9+.-]*:/i.test(full)) full = SCOPE + full;
  var names = [];
  var source = full.split(/(\{[a-z-]+\})/).map(function (part) {
    var m = /^\{([a-z-]+)\}$/.exec(part);
    if (!m) return escapeRegExp(part);
    if (m[1] === "s") return "[A-Za-z0-9-]+";
    if (m[1] === "r") { names.push("r"); return "(@2x)?"; }
    if (m[1] === "z" || m[1] === "x" || m[1] === "y") { names.push(m[1]); return "(\\d+)"; }
    return "[^/?#&]*";
  }).join("");
  return { re: new RegExp("^" + source + "$"), names: names };
}

/* The cache key of a tile: one per z/x/y whatever the subdomain; null if not a tile. */
function tileKey(url) {
  if (!tilePattern) return null;
  var m = tilePattern.re.exec(url);
  if (!m) return null;
  var v = {};
  tilePattern.names.forEach(function (name, i) { v[name] = m[i + 1] || ""; });
  if (v.z === undefined || v.x === undefined || v.y === undefined) return url;
  return SCOPE + "__tiles__/" + v.z + "/" + v.x + "/" + v.y + (v.r || "");
}

function relative(url) {
  if (url.origin !== self.location.origin || url.pathname.indexOf(SCOPE_PATH) !== 0) return null;
  return url.pathname.slice(SCOPE_PATH.length);
}

/* The data version a data URL names, or null when it is not the map's data. */
function dataVersion(url) {
  var rel = relative(url);
  if (rel === null) return null;
  if (APP_DATA.test(rel)) return url.searchParams.get("v");
  var m = EXPORT_DATA.exec(rel);
  return m ? m[1] : null;
}

/* Which cache a same-origin URL belongs to, or null for everything else. */
function kindOf(url) {
  var rel = relative(url);
  if (rel === null) return null;
  if (PAGE.test(rel)) return PERMALINK.test(rel) ? "permalink" : "page";
  if (dataVersion(url)) return "data";
  if (MANIFEST.test(rel)) return "manifest";
  if (EVENTS.test(rel)) return "events";
  if (ASSET.test(rel)) return "asset";
  if (PHOTO.test(rel)) return "photo";
  if (SURVEY_PAGE.test(rel)) return "survey-page";
  if (SURVEY_DATA.test(rel)) return "survey-data";
  if (AUDIO.test(rel)) return "audio";
  if (WALK_DATA.test(rel)) return "walkdata";
  return null;
}

/* Whether the server lets us keep a response: never what it marks private or no-store
 * (what a signed-in curator sees), never an error or a redirect. */
function storable(response) {
  if (!response || !response.ok || response.redirected) return false;
  if (response.type !== "basic" && response.type !== "default" && response.type !== "cors") return false;
  return !/(?:^|[\s,])(?:private|no-store)(?:$|[\s,;=])/i.test(response.headers.get("Cache-Control") || "");
}

/* A copy to store: body read once, saving time, size (and version) added, encoding
 * headers dropped. */
function stamped(response, extra) {
  if (response.type === "opaque") return Promise.resolve(response); // unreadable: kept as is
  return response.blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.delete("Content-Encoding");
    headers.delete("Content-Length");
    headers.set(SAVED_AT, new Date().toISOString());
    headers.set(BYTES, String(body.size));
    Object.keys(extra || {}).forEach(function (name) { headers.set(name, extra[name]); });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

/* Whether a response may go into cacheName: storable(), except in the survey's own
 * cache (CACHES.curator, see the top), which keeps its good answers though private. */
function keepable(cacheName, response) {
  if (cacheName !== CACHES.curator) return storable(response);
  return !!response && response.ok && !response.redirected && response.type === "basic";
}

/* Store a copy of a response we may keep (tiles: of any usable one). */
function put(cacheName, key, response, extra) {
  if (response.type !== "opaque" && !keepable(cacheName, response)) return Promise.resolve();
  return stamped(response, extra).then(function (copy) {
    return caches.open(cacheName).then(function (cache) { return cache.put(key, copy); });
  }).catch(function () { /* quota or a body that cannot be read: keep going */ });
}

function dataCache(version) { return DATA_PREFIX + version; }

function savedAt(response) {
  var at = response && response.headers.get(SAVED_AT);
  return at ? Date.parse(at) : 0;
}

/* --- strategies --- */

/* The network's answer, or (failing, or slower than NETWORK_TIMEOUT_MS) the cached
 * copy or fallback(). With store, a good answer replaces the cached copy. */
function networkFirst(event, cacheName, fallback, store) {
  var request = event.request;
  var network = fetch(request).then(function (response) {
    if (store && keepable(cacheName, response)) event.waitUntil(put(cacheName, request.url, response.clone()));
    return response;
  });
  event.waitUntil(network.catch(function () {}));
  return new Promise(function (resolve, reject) {
    var settled = false;
    function fromCache(error) {
      caches.match(request.url, { cacheName: cacheName, ignoreVary: true }).then(function (hit) {
        return hit || (fallback ? fallback() : null);
      }).then(function (hit) {
        if (settled) return;
        if (hit) { settled = true; resolve(hit); }
        else if (error) { settled = true; reject(error); }
      });
    }
    var timer = setTimeout(function () { fromCache(null); }, NETWORK_TIMEOUT_MS);
    network.then(function (response) {
      clearTimeout(timer);
      if (!settled) { settled = true; resolve(response); }
    }, function (error) {
      clearTimeout(timer);
      fromCache(error);
    });
  });
}

function cacheFirst(event, cacheName, onStore) {
  var request = event.request;
  return caches.match(request.url, { cacheName: cacheName, ignoreVary: true }).then(function (hit) {
    if (hit) return hit;
    return fetch(request).then(function (response) {
      if (storable(response)) {
        event.waitUntil(put(cacheName, request.url, response.clone()).then(function () {
          return onStore ? onStore(request.url) : null;
        }));
      }
      return response;
    });
  });
}

/* Keep one version of each versioned asset: drop the same path with another ?v=. */
function dropOtherVersions(url) {
  var u = new URL(url);
  if (!u.searchParams.has("v")) return null;
  return caches.open(CACHES.assets).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.filter(function (req) {
        var k = new URL(req.url);
        return k.pathname === u.pathname && k.search !== u.search;
      }).map(function (req) { return cache.delete(req); }));
    });
  });
}

/* Offline, a map page or a permalink: the shell of its language (the page's script
 * finds a permalink's work in the URL), else the shell of any language kept. */
function shellFor(url) {
  var rel = relative(url) || "";
  var m = PERMALINK.exec(rel);
  var home = SCOPE + (m ? m[1] : rel.replace(/index\.html$/, "")) + url.search;
  return caches.open(CACHES.shell).then(function (cache) {
    return cache.match(home, { ignoreVary: true }).then(function (hit) {
      if (hit) return hit;
      return cache.keys().then(function (keys) {
        var shells = keys.filter(function (req) { return kindOf(new URL(req.url)) === "page"; });
        return shells.length ? cache.match(shells[0], { ignoreVary: true }) : null;
      });
    });
  });
}

/* --- tiles --- */

function fetchTile(url) {
  var plain = function () { return fetch(url, { mode: "no-cors", credentials: "omit" }); };
  if (corsFails || new URL(url).origin === self.location.origin) return plain();
  return fetch(url, { mode: "cors", credentials: "omit" }).catch(function () {
    corsFails = true; // a server without CORS: opaque responses (their size is unknown)
    return plain();
  });
}

function tileUsable(response) {
  return response && (response.ok || response.type === "opaque");
}

/* A stored tile and the cache it is in: the route's first, then those seen. */
function cachedTile(key) {
  return caches.match(key, { cacheName: CACHES.route }).then(function (hit) {
    if (hit) return { response: hit, cache: CACHES.route };
    return caches.match(key, { cacheName: CACHES.tiles }).then(function (seen) {
      return seen ? { response: seen, cache: CACHES.tiles } : null;
    });
  });
}

var trimTimer = null;

function scheduleTrim() {
  if (trimTimer) return;
  trimTimer = setTimeout(function () { trimTimer = null; trimSeenTiles(); }, 2000);
}

/* Drop the oldest seen tiles beyond the count and byte bounds. */
function trimSeenTiles() {
  return caches.open(CACHES.tiles).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) { return cache.match(k); })).then(function (responses) {
        var sizes = responses.map(function (r) { return r ? parseInt(r.headers.get(BYTES) || "0", 10) : 0; });
        var total = sizes.reduce(function (a, b) { return a + b; }, 0);
        var count = keys.length;
        var drop = [];
        for (var i = 0; i < keys.length && (count > SEEN_TILES_MAX || total > SEEN_TILES_MAX_BYTES); i++) {
          drop.push(cache.delete(keys[i]));
          count -= 1;
          total -= sizes[i];
        }
        return Promise.all(drop);
      });
    });
  });
}

function tileResponse(event, key) {
  var url = event.request.url;
  return cachedTile(key).then(function (found) {
    var hit = found && found.response;
    if (hit && Date.now() - savedAt(hit) < TILE_MAX_AGE_MS) return hit;
    return fetchTile(url).then(function (response) {
      if (tileUsable(response)) {
        var into = found ? found.cache : CACHES.tiles; // a refreshed tile stays where it was
        event.waitUntil(put(into, key, response.clone()).then(scheduleTrim));
        return response;
      }
      return hit || response;
    }, function (error) {
      if (hit) return hit;
      throw error;
    });
  });
}

/* --- fetch --- */

/* --- audio stories: kept whole, answered in the parts players ask for --- */

/* A kept story, or the part a Range header asks for (206); players seek with these. */
function audioResponse(request) {
  return caches.match(request.url, { cacheName: CACHES.audio }).then(function (hit) {
    if (!hit) return fetch(request);
    var m = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("Range") || "");
    if (!m) return hit;
    return hit.blob().then(function (body) {
      var size = body.size;
      var start = m[1] === "" ? Math.max(0, size - parseInt(m[2] || "0", 10)) : parseInt(m[1], 10);
      var end = m[1] !== "" && m[2] !== "" ? Math.min(parseInt(m[2], 10), size - 1) : size - 1;
      if (start >= size || end < start) {
        return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + size } });
      }
      var headers = new Headers(hit.headers);
      headers.set("Content-Range", "bytes " + start + "-" + end + "/" + size);
      headers.set("Content-Length", String(end - start + 1));
      return new Response(body.slice(start, end + 1), { status: 206, statusText: "Partial Content", headers: headers });
    });
  });
}

/* Signing out: drop the kept shells, data and photos first, then let the sign-out through. */
function isSignOut(request) {
  return request.method === "POST" && relative(new URL(request.url)) === "logout";
}

/* The survey's queue goes too; a page still holding it open closes it when told. */
function forgetSurveyQueue() {
  if (!self.indexedDB) return Promise.resolve();
  var gone = new Promise(function (resolve) {
    var req = indexedDB.deleteDatabase(SURVEY_DB);
    req.onsuccess = req.onerror = function () { resolve(); };
  });
  var late = new Promise(function (resolve) { setTimeout(resolve, SIGN_OUT_WAIT_MS); });
  return Promise.race([gone, late]);
}

function forgetKeptPages() {
  return Promise.all([
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n === CACHES.shell || n === CACHES.events || n === CACHES.photos ||
          n === CACHES.curator || n.indexOf(DATA_PREFIX) === 0;
      }).map(function (n) { return caches.delete(n); }));
    }),
    forgetSurveyQueue()
  ]);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (isSignOut(request)) {
    event.respondWith(forgetKeptPages().catch(function () {}).then(function () {
      return fetch(request);
    }));
    return;
  }
  if (request.method !== "GET") return;
  var key = tileKey(request.url);
  if (key) {
    event.respondWith(tileResponse(event, key));
    return;
  }
  var url = new URL(request.url);
  var kind = kindOf(url);
  if ((kind === "page" || kind === "permalink") && request.mode === "navigate") {
    event.respondWith(networkFirst(event, CACHES.shell, function () { return shellFor(url); }));
  } else if (kind === "manifest") {
    event.respondWith(networkFirst(event, CACHES.shell, null, true));
  } else if (kind === "events") {
    event.respondWith(networkFirst(event, CACHES.events, null, true));
  } else if (kind === "walkdata") {
    event.respondWith(networkFirst(event, CACHES.walk, null, true));
  } else if (kind === "data") {
    event.respondWith(cacheFirst(event, dataCache(dataVersion(url))));
  } else if (kind === "asset") {
    event.respondWith(cacheFirst(event, CACHES.assets, dropOtherVersions));
  } else if (kind === "photo") {
    event.respondWith(cacheFirst(event, CACHES.photos));
  } else if (kind === "survey-page" && request.mode === "navigate") {
    event.respondWith(networkFirst(event, CACHES.curator, null, true));
  } else if (kind === "survey-data" && event.clientId) {
    // kept only for the survey page; the list other curator pages ask for is not
    event.respondWith(self.clients.get(event.clientId).then(function (client) {
      var from = client && relative(new URL(client.url));
      if (from !== null && from !== undefined && SURVEY_PAGE.test(from)) {
        return networkFirst(event, CACHES.curator, null, true);
      }
      return fetch(request);
    }));
  } else if (kind === "audio") {
    event.respondWith(audioResponse(request));
  }
});

/* --- messages from the page --- */

/* Fetch url (through the HTTP cache, where the page's own load left it) into a cache. */
function fetchInto(cacheName, url, extra) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (!storable(response)) throw new Error("HTTP " + response.status);
    return put(cacheName, url, response, extra);
  });
}

/* Keep what a visit of the shell `shell` at data `version` needs; each thing once. */
function keep(urls, version, shell) {
  var ok = 0;
  var failed = 0;
  var photos = [];
  var jobs = urls.map(function (raw) {
    var url = new URL(raw, SCOPE);
    url.hash = "";
    var key = tileKey(url.href);
    var kind = kindOf(url);
    var job;
    if (key) {
      job = cachedTile(key).then(function (found) {
        return found || fetchTile(url.href).then(function (response) {
          if (!tileUsable(response)) throw new Error("HTTP " + response.status);
          return put(CACHES.tiles, key, response);
        });
      });
    } else if (kind === "page") {
      if (url.href !== shell) return Promise.resolve(); // only the shell this page runs
      var stamp = {};
      if (version) stamp[VERSION] = version;
      job = fetchInto(CACHES.shell, url.href, stamp);
    } else if (kind === "manifest") {
      job = fetchInto(CACHES.shell, url.href);
    } else if (kind === "events") {
      job = fetchInto(CACHES.events, url.href);
    } else if (kind === "walkdata") {
      job = fetchInto(CACHES.walk, url.href);
    } else if (kind === "data") {
      var name = dataCache(dataVersion(url));
      job = caches.match(url.href, { cacheName: name }).then(function (hit) {
        return hit || fetchInto(name, url.href);
      });
    } else if (kind === "asset" || kind === "photo" || kind === "audio") {
      if (kind === "photo") photos.push(url.href);
      var name = { asset: CACHES.assets, photo: CACHES.photos, audio: CACHES.audio }[kind];
      job = caches.match(url.href, { cacheName: name }).then(function (hit) {
        return hit || fetch(url.href).then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return put(name, url.href, response).then(function () {
            return kind === "asset" ? dropOtherVersions(url.href) : null;
          });
        });
      });
    } else {
      return Promise.resolve();
    }
    return job.then(function () { ok += 1; }, function () { failed += 1; });
  });
  return Promise.all(jobs).then(function () {
    return photos.length ? prunePhotos(photos) : null;
  }).then(function () {
    return version && !failed ? dropOtherDataVersions(version) : null;
  }).then(scheduleTrim).then(function () {
    return { type: "kept", ok: ok, failed: failed };
  });
}

/* Once a visit at `version` is kept whole: the data and shells of other versions go. */
function dropOtherDataVersions(version) {
  var keepName = dataCache(version);
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf(DATA_PREFIX) === 0 && n !== keepName;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () {
    return caches.open(CACHES.shell);
  }).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) {
        return cache.match(k).then(function (r) {
          var v = r && r.headers.get(VERSION);
          return v && v !== version ? cache.delete(k) : null;
        });
      }));
    });
  });
}

/* Photos of works no longer on the map are not kept. */
function prunePhotos(current) {
  var wanted = {};
  current.forEach(function (u) { wanted[u] = true; });
  return caches.open(CACHES.photos).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return !wanted[k.url]; }).map(function (k) {
        return cache.delete(k);
      }));
    });
  });
}

function tileSizes() {
  return Promise.all([CACHES.route, CACHES.tiles].map(function (name) {
    return caches.open(name).then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.slice(-200).map(function (k) { return cache.match(k); }));
      });
    });
  })).then(function (lists) {
    return lists[0].concat(lists[1]).map(function (r) {
      return r ? parseInt(r.headers.get(BYTES) || "0", 10) : 0;
    }).filter(function (n) { return n > 0; });
  });
}

function estimate(urls) {
  return caches.open(CACHES.route).then(function (cache) {
    return Promise.all(urls.map(function (u) {
      return cache.match(tileKey(u) || u).then(function (hit) { return hit ? 0 : 1; });
    }));
  }).then(function (flags) {
    var missing = flags.reduce(function (a, b) { return a + b; }, 0);
    return tileSizes().then(function (sizes) {
      var mean = sizes.length ? sizes.reduce(function (a, b) { return a + b; }, 0) / sizes.length : null;
      return { type: "estimate", total: urls.length, missing: missing, averageBytes: mean };
    });
  });
}

/* Fetch every tile of the route corridor into the route cache, reporting progress. */
function saveTiles(urls, port) {
  var job = { cancelled: false };
  saving = job;
  var keys = urls.map(function (u) { return tileKey(u) || u; });
  var done = 0;
  var failed = 0;
  var bytes = 0;
  var next = 0;
  function report(type) {
    port.postMessage({ type: type, done: done, failed: failed, total: urls.length, bytes: bytes });
  }
  return caches.open(CACHES.route).then(function (routeCache) {
    function one(i) {
      return routeCache.match(keys[i]).then(function (hit) {
        if (hit && Date.now() - savedAt(hit) < TILE_MAX_AGE_MS) return hit;
        return caches.match(keys[i], { cacheName: CACHES.tiles }).then(function (seen) {
          if (seen && Date.now() - savedAt(seen) < TILE_MAX_AGE_MS) {
            return routeCache.put(keys[i], seen.clone()).then(function () { return seen; });
          }
          return fetchTile(urls[i]).then(function (response) {
            if (!tileUsable(response)) throw new Error("HTTP " + response.status);
            return stamped(response).then(function (copy) {
              return routeCache.put(keys[i], copy.clone()).then(function () { return copy; });
            });
          });
        });
      }).then(function (stored) {
        done += 1;
        bytes += parseInt(stored.headers.get(BYTES) || "0", 10);
      }, function () {
        failed += 1;
      }).then(function () { report("progress"); });
    }
    function worker() {
      if (job.cancelled || next >= urls.length) return Promise.resolve();
      var i = next++;
      return one(i).then(worker);
    }
    var workers = [];
    for (var w = 0; w < SAVE_CONCURRENCY; w++) workers.push(worker());
    return Promise.all(workers).then(function () {
      if (job.cancelled) return null;
      // tiles of an earlier, different route are not kept
      var wanted = {};
      keys.forEach(function (k) { wanted[k] = true; });
      return routeCache.keys().then(function (stored) {
        return Promise.all(stored.filter(function (k) { return !wanted[k.url]; }).map(function (k) {
          return routeCache.delete(k);
        }));
      });
    });
  }).then(function () {
    if (saving === job) saving = null;
    report(job.cancelled ? "cancelled" : "saved");
  });
}

/* The survey page asks to be kept (its first visit came before the worker did). */
function isSurveyClient(url) {
  var rel = relative(new URL(url));
  return rel !== null && SURVEY_PAGE.test(rel);
}

function keepSurvey(pageUrl, dataUrl) {
  var page = new URL(pageUrl);
  page.hash = "";
  var data = new URL(dataUrl || "api/curator/installations", SCOPE);
  if (kindOf(data) !== "survey-data") return Promise.resolve({ type: "kept-survey", ok: false });
  var urls = [page.href, data.href];
  return Promise.all(urls.map(function (u) {
    return fetch(u, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok || response.redirected) throw new Error("HTTP " + response.status);
      return put(CACHES.curator, u, response);
    });
  })).then(function () {
    return { type: "kept-survey", ok: true };
  }, function () {
    return { type: "kept-survey", ok: false };
  });
}

function stats() {
  return caches.keys().then(function (names) {
    var out = {};
    return Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0; }).map(function (name) {
      return caches.open(name).then(function (cache) {
        return cache.keys().then(function (keys) {
          return Promise.all(keys.map(function (k) { return cache.match(k); }));
        });
      }).then(function (responses) {
        return Promise.all(responses.map(function (r) {
          return r ? r.clone().blob().then(function (b) { return b.size; }) : 0;
        }));
      }).then(function (sizes) {
        out[name] = { entries: sizes.length, bytes: sizes.reduce(function (a, b) { return a + b; }, 0) };
      });
    })).then(function () { return { type: "stats", caches: out }; });
  });
}

self.addEventListener("message", function (event) {
  var msg = event.data || {};
  var port = event.ports && event.ports[0];
  var reply = function (value) { if (port) port.postMessage(value); };
  var work = null;
  if (msg.type === "keep" && Array.isArray(msg.urls)) {
    work = keep(msg.urls, typeof msg.version === "string" ? msg.version : "", String(msg.shell || "")).then(reply);
  }
  else if (msg.type === "estimate" && Array.isArray(msg.urls)) work = estimate(msg.urls).then(reply);
  else if (msg.type === "save-tiles" && Array.isArray(msg.urls) && port) work = saveTiles(msg.urls, port);
  else if (msg.type === "cancel" && saving) saving.cancelled = true;
  else if (msg.type === "stats") work = stats().then(reply);
  else if (msg.type === "keep-survey" && event.source && isSurveyClient(event.source.url)) {
    work = keepSurvey(event.source.url, msg.data).then(reply);
  }
  if (work) {
    event.waitUntil(work.catch(function (error) { reply({ type: "error", message: String(error) }); }));
  }
});

/* --- life cycle --- */

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  var current = {};
  Object.keys(CACHES).forEach(function (k) { current[CACHES[k]] = true; });
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf(PREFIX) === 0 && !current[n] && n.indexOf(DATA_PREFIX) !== 0;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});
