/*
 * Cultural Terrenkur: walk mode on the map page.
 *
 * Reads #walk-settings (strings, the contract of mapapp/contract.py, the URL of
 * /api/walk.json) and the walk data (route, access points, each work's place,
 * trigger zone, nearest access point and audio story in the page's language).
 * "Start a walk" follows the walker with watchPosition (high accuracy, fixes at
 * most a second old): the map follows, the walker's dot shows heading and
 * accuracy, the panel says how far they have walked and have left, and which work
 * comes next and how far along the route, with the same locator as "Locate me"
 * (TerrenkurCommon.makeLocator: UTM 43N from the contract). Entering a work's
 * trigger zone nudges once per work per walk: a banner, a vibration where the
 * phone has one, the work's card (and its story, if the walker switched that on).
 * Works off the river walk are announced with their distance from it and from the
 * nearest access point when the walker passes their turn. Battery: no timers; the
 * position is watched only while walking (pause and "end" clear the watch; a
 * hidden page that is not walking holds none); the map is moved and redrawn only
 * when the position really changed.
 *
 * The pure geometry is TerrenkurWalk.geometry (no DOM; mirrored by mapapp.geo).
 * Hooks into terrenkur.js: Terrenkur.openStop(id, then) opens a work's card;
 * Terrenkur.shown(id) says whether the map shows it (only those are nudged or
 * announced: issue 14's "standing now" filter and month slider hide works that are
 * gone); Terrenkur.tour (tours.js, ?tour=<slug>) restricts the walk to a tour's
 * works and, unless the walker chose a direction, walks in the tour's order;
 * the card asks TerrenkurWalk.cardAudio(id) for its player. offline.js asks
 * TerrenkurWalk.offlineAudio() for the stories to save. Needs common.js.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var fmt = C.fmt;
  var el = C.el;
  var RAD = Math.PI / 180;

  /* --- pure geometry ------------------------------------------------------------ */

  /* Metres from chainage `here` to `at` in the walking direction (negative: behind). */
  function ahead(here, at, direction) {
    return direction === "backward" ? here - at : at - here;
  }

  /* Walked since `start` and left to the end of the route, in the walking direction. */
  function progress(start, here, lengthM, direction) {
    return {
      walked: Math.max(0, ahead(start, here, direction)),
      left: Math.max(0, direction === "backward" ? here : lengthM - here)
    };
  }

  /* The first work ahead of `here` beyond `passedWithin` metres: {work, ahead} or null. */
  function nextWork(works, here, direction, passedWithin) {
    var best = null;
    works.forEach(function (w) {
      var a = ahead(here, w.chainage, direction);
      if (a > passedWithin && (!best || a < best.ahead)) best = { work: w, ahead: a };
    });
    return best;
  }

  /* The direction a series of chainages moves in, once it has moved `minMove` metres. */
  function inferDirection(chainages, minMove) {
    if (chainages.length < 2) return null;
    var moved = chainages[chainages.length - 1] - chainages[0];
    if (Math.abs(moved) < minMove) return null;
    return moved > 0 ? "forward" : "backward";
  }

  /* Initial bearing from one point to another, degrees clockwise from north. */
  function bearing(lat1, lon1, lat2, lon2) {
    var y = Math.sin((lon2 - lon1) * RAD) * Math.cos(lat2 * RAD);
    var x = Math.cos(lat1 * RAD) * Math.sin(lat2 * RAD) -
      Math.sin(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.cos((lon2 - lon1) * RAD);
    return (Math.atan2(y, x) / RAD + 360) % 360;
  }

  /* The nearest of `points` ({lat, lon}) to a position: {point, dist} or null. */
  function nearest(points, lat, lon) {
    var best = null;
    points.forEach(function (p) {
      var d = C.haversine(lat, lon, p.lat, p.lon);
      if (!best || d < best.dist) best = { point: p, dist: d };
    });
    return best;
  }

  /* Whether a walker who moved from chainage `from` (null: just started) to `to`
   * has reached chainage `at`: within `within` metres ahead of them now, and not
   * already that far behind them before. */
  function reached(from, to, at, within, direction) {
    if (ahead(to, at, direction) > within) return false;
    if (from === null) return Math.abs(to - at) <= within;
    return ahead(from, at, direction) > -within;
  }

  var geometry = {
    ahead: ahead, progress: progress, nextWork: nextWork, inferDirection: inferDirection,
    bearing: bearing, nearest: nearest, reached: reached
  };

  var settingsEl = document.getElementById("walk-settings");
  if (!settingsEl) {
    window.TerrenkurWalk = { geometry: geometry, cardAudio: function () { return null; },
      offlineAudio: function () { return { urls: [], bytes: 0, count: 0 }; } };
    return;
  }

  /* --- the page ------------------------------------------------------------------ */

  var W = C.readSettings("walk-settings");
  var T = W.strings, K = W.contract, lang = W.lang;
  //: metres of movement along the route that tell the direction
  var INFER_M = 25;
  //: the map is moved when the walker is this far from where it was last centred
  var FOLLOW_M = 8;
  //: the dot is redrawn when it moved this far, or the heading turned this much
  var REDRAW_M = 1;
  var REDRAW_DEG = 10;
  //: the heading is taken from movement over at least this many metres
  var HEADING_M = 5;
  //: positions for which the map stays put while a card opens (its zoom animating)
  var CARD_HOLD = 5;

  function $(id) { return document.getElementById(id); }
  var openBtn = $("walk-open"), panel = $("walk-panel"), closeBtn = $("walk-close");
  var startBtn = $("walk-start"), pauseBtn = $("walk-pause"), endBtn = $("walk-end");
  var followBtn = $("walk-follow"), autoplayBox = $("walk-autoplay");
  var statusEl = $("walk-status"), progressEl = $("walk-progress"), nextEl = $("walk-next");
  var nudgeBox = $("walk-nudge"), nudgeText = $("walk-nudge-text"), nudgeOpen = $("walk-nudge-open");
  var directionBox = $("walk-direction");

  var state = {
    data: null, byId: {}, locate: null,
    mode: "idle", // idle, walking, paused
    choice: "auto", direction: null, start: null, trail: [], lastChainage: null,
    nudged: {}, announced: {}, lastNudged: null,
    watchId: null, follow: true, centre: null, drawn: null, cardPending: 0,
    layer: null, dot: null, ring: null, arrow: null
  };
  var counters = { positions: 0, redraws: 0, pans: 0, cards: 0 };
  var log = [];

  function number(n, digits) { return C.number(n, digits, lang); }

  function distance(metres) {
    if (metres < 1000) return fmt(T.m, { n: number(Math.max(10, Math.round(metres / 10) * 10), 0) });
    return fmt(T.km, { n: number(metres / 1000, 1) });
  }

  function minutes(metres) { return Math.max(1, Math.round(C.walkingMinutes(metres, K))); }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  var ready = getJson(W.data).then(function (doc) {
    state.data = doc;
    doc.works.forEach(function (w) { state.byId[w.id] = w; });
    state.locate = C.makeLocator(doc.route, K.projection);
    return doc;
  });
  ready.catch(function () { /* walk mode stays off: said when it is started */ });

  function map() { return window.Terrenkur && window.Terrenkur.map; }

  /* The tour being followed (Terrenkur.tour, from tours.js: ids in walking order), or null. */
  function tour() {
    var t = window.Terrenkur && window.Terrenkur.tour;
    return t && t.ids && t.ids.length ? t : null;
  }

  /* The works this walk is about: a followed tour's, else all; and of those only the
   * ones the map shows (its filters, and events.js's "standing now" or month). */
  function followed() {
    var T0 = window.Terrenkur || {}, t = tour();
    var works = t ? t.ids.map(function (id) { return state.byId[id]; }).filter(Boolean) : state.data.works;
    return T0.shown ? works.filter(function (w) { return T0.shown(w.id); }) : works;
  }

  /* The direction a tour's order walks in (its first and last works), or null. */
  function tourDirection() {
    var t = tour();
    if (!t) return null;
    var ends = [t.ids[0], t.ids[t.ids.length - 1]].map(function (id) { return state.byId[id]; });
    if (!ends[0] || !ends[1] || ends[0].chainage === ends[1].chainage) return null;
    return ends[1].chainage > ends[0].chainage ? "forward" : "backward";
  }

  /* --- the walker on the map: one dot, one accuracy ring, one heading arrow --- */

  function ensureLayers(latlng) {
    if (state.layer) return;
    var m = map();
    state.layer = L.layerGroup().addTo(m);
    state.ring = L.circle(latlng, {
      radius: 1, weight: 1, color: "#1a73e8", fillOpacity: 0.12, interactive: false, className: "walk-accuracy"
    }).addTo(state.layer);
    state.arrow = L.marker(latlng, {
      icon: L.divIcon({ className: "walk-heading", html: '<span class="walk-arrow"></span>', iconSize: [40, 40] }),
      interactive: false, keyboard: false
    }).addTo(state.layer);
    state.dot = L.circleMarker(latlng, {
      radius: 8, weight: 3, color: "#ffffff", fillColor: "#1a73e8", fillOpacity: 1,
      className: "walker-dot walk-dot", interactive: false
    }).addTo(state.layer);
  }

  function dropLayers() {
    if (state.layer) state.layer.remove();
    state.layer = state.dot = state.ring = state.arrow = null;
    state.drawn = state.centre = null;
  }

  function draw(fix) {
    var latlng = [fix.lat, fix.lon];
    var d = state.drawn;
    var moved = d ? C.haversine(d.lat, d.lon, fix.lat, fix.lon) : Infinity;
    var turned = 0;
    if (d && (fix.heading === null) !== (d.heading === null)) turned = 360;
    else if (d && fix.heading !== null) turned = Math.abs(((fix.heading - d.heading) % 360 + 540) % 360 - 180);
    var ringChanged = !d || Math.abs(fix.accuracy - d.accuracy) > Math.max(2, d.accuracy * 0.2);
    // moves within half the fix's accuracy are noise: not redrawn
    var still = Math.max(REDRAW_M, Math.min(fix.accuracy || 0, 30) / 2);
    if (d && moved < still && turned < REDRAW_DEG && !ringChanged) return;
    ensureLayers(latlng);
    counters.redraws += 1;
    state.dot.setLatLng(latlng);
    state.ring.setLatLng(latlng).setRadius(Math.min(fix.accuracy || 0, 2000));
    state.arrow.setLatLng(latlng);
    var arrowEl = state.arrow.getElement();
    if (arrowEl) {
      arrowEl.hidden = fix.heading === null;
      if (fix.heading !== null) arrowEl.firstChild.style.transform = "rotate(" + Math.round(fix.heading) + "deg)";
      arrowEl.setAttribute("data-heading", fix.heading === null ? "" : String(Math.round(fix.heading)));
    }
    state.drawn = { lat: fix.lat, lon: fix.lon, heading: fix.heading, accuracy: fix.accuracy };
    // a card being opened (its marker zoomed to) holds the map for a few positions
    if (state.cardPending > 0) state.cardPending -= 1;
    if (state.follow && !state.cardPending) {
      var c = state.centre;
      if (!c || C.haversine(c.lat, c.lon, fix.lat, fix.lon) >= FOLLOW_M) {
        var m = map();
        m.setView(latlng, Math.max(m.getZoom(), 16), { animate: false });
        state.centre = { lat: fix.lat, lon: fix.lon };
        counters.pans += 1;
      }
    }
  }

  /* --- what the panel says --- */

  function headingName(direction) { return W.headings[direction] || direction; }

  function describeNext(here) {
    var next = nextWork(followed(), here, state.direction, K.passedWithinM);
    if (!next) return { text: T.noneAhead, id: "" };
    var w = next.work;
    var text;
    if (w.access) {
      text = fmt(T.nextOff, {
        title: w.title, off: distance(w.offset), min: minutes(w.access.m), access: w.access.name,
        dist: distance(next.ahead)
      });
    } else if (w.offset > w.trigger) {
      text = fmt(T.nextOffNoAccess, { title: w.title, off: distance(w.offset), dist: distance(next.ahead) });
    } else {
      text = fmt(T.nextOn, { title: w.title, dist: distance(next.ahead) });
    }
    return { text: text, id: String(w.id), ahead: next.ahead };
  }

  function report(fix, place) {
    var lines = [];
    if (fix.accuracy) lines.push(fmt(T.accuracy, { dist: distance(fix.accuracy) }));
    if (place.offset > K.farFromRouteM) {
      var access = nearest(state.data.access, fix.lat, fix.lon);
      lines.unshift(access
        ? fmt(T.far, { dist: distance(place.offset), access: access.point.name, accessDist: distance(access.dist) })
        : fmt(T.farNoAccess, { dist: distance(place.offset) }));
      statusEl.setAttribute("data-far", "true");
      statusEl.setAttribute("data-access", access ? access.point.name : "");
    } else {
      statusEl.setAttribute("data-far", "false");
      statusEl.removeAttribute("data-access");
    }
    if (!state.direction) {
      lines.push(T.inferring);
      progressEl.textContent = "";
      nextEl.textContent = "";
      nextEl.setAttribute("data-next-id", "");
    } else {
      lines.push(fmt(T.heading, { dir: headingName(state.direction) }));
      var p = progress(state.start === null ? place.chainage : state.start, place.chainage,
        state.data.lengthM, state.direction);
      progressEl.textContent = fmt(T.progress, { walked: distance(p.walked), left: distance(p.left) });
      progressEl.setAttribute("data-walked", p.walked.toFixed(1));
      progressEl.setAttribute("data-left", p.left.toFixed(1));
      var next = describeNext(place.chainage);
      nextEl.textContent = next.text;
      nextEl.setAttribute("data-next-id", next.id);
      nextEl.setAttribute("data-next-ahead", next.ahead === undefined ? "" : next.ahead.toFixed(1));
    }
    statusEl.textContent = lines.join("\n");
  }

  /* --- nudges --- */

  function showBanner(text, id, kind) {
    nudgeText.textContent = text;
    nudgeBox.hidden = false;
    nudgeBox.setAttribute("data-id", String(id));
    nudgeBox.setAttribute("data-kind", kind);
    if (panel.hidden) setPanel(true);
  }

  /* Open a work's card (terrenkur.js zooms its cluster apart first); a card the
   * cluster's animation left unopened is asked for once more. */
  function openCard(w, play, again) {
    var T0 = window.Terrenkur;
    if (!T0 || !T0.openStop) return;
    state.cardPending = CARD_HOLD;
    T0.openStop(w.id, function (popupEl) {
      if (!popupEl && !again) return openCard(w, play, true);
      state.cardPending = 0;
      state.centre = null; // follow again from the next position
      if (!popupEl) return;
      counters.cards += 1;
      var player = play && popupEl.querySelector("audio");
      if (player) {
        var started = player.play();
        if (started && started.catch) started.catch(function () { /* the walker can press play */ });
      }
    });
  }

  /* Works whose zones the walker entered at one position: one banner naming them all,
   * one vibration, the first one's card (and its story, if switched on). */
  function nudge(works) {
    var first = works[0];
    state.lastNudged = first;
    var text = fmt(T.here, { title: first.title });
    if (works.length > 1) text += " " + fmt(T.hereMore, { n: number(works.length - 1, 0) });
    showBanner(text, first.id, "nudge");
    if (navigator.vibrate) {
      try { navigator.vibrate([200, 100, 200]); } catch (e) { /* not allowed here */ }
    }
    openCard(first, autoplayBox.checked && !!first.audio);
  }

  function announceOffRoute(w) {
    state.announced[w.id] = true;
    log.push({ type: "off-route", id: w.id, chainage: w.chainage, offset: w.offset });
    var text = w.access
      ? fmt(T.offHere, { title: w.title, off: distance(w.offset), min: minutes(w.access.m), access: w.access.name })
      : fmt(T.offHereNoAccess, { title: w.title, off: distance(w.offset) });
    showBanner(text, w.id, "off-route");
  }

  /* Works whose zone the walker is in, and off-route works whose turn they passed,
   * each once per walk, in walking order. */
  function checkZones(fix, place) {
    var dir = state.direction || "forward";
    var entered = [];
    followed().forEach(function (w) {
      if (!state.nudged[w.id] && C.haversine(fix.lat, fix.lon, w.lat, w.lon) <= w.trigger) {
        entered.push({ w: w, kind: "nudge" });
      } else if (w.offset > w.trigger && !state.announced[w.id] && !state.nudged[w.id] &&
        state.direction && place.offset <= K.farFromRouteM &&
        reached(state.lastChainage, place.chainage, w.chainage, K.passedWithinM, dir)) {
        entered.push({ w: w, kind: "off" });
      }
    });
    entered.sort(function (a, b) { return ahead(b.w.chainage, a.w.chainage, dir); });
    var reachedNow = [];
    entered.forEach(function (e) {
      if (e.kind !== "nudge") return announceOffRoute(e.w);
      state.nudged[e.w.id] = true;
      log.push({ type: "nudge", id: e.w.id, chainage: e.w.chainage });
      reachedNow.push(e.w);
    });
    if (reachedNow.length) nudge(reachedNow);
  }

  /* --- positions --- */

  function headingOf(coords, fix) {
    if (typeof coords.heading === "number" && isFinite(coords.heading) && (coords.speed === null || coords.speed > 0.3)) {
      return coords.heading;
    }
    // the bearing from the last drawn position, once it is beyond the fix's noise
    var d = state.drawn;
    var beyond = Math.max(HEADING_M, Math.min(fix.accuracy || 0, 30));
    if (d && C.haversine(d.lat, d.lon, fix.lat, fix.lon) >= beyond) return bearing(d.lat, d.lon, fix.lat, fix.lon);
    return d ? d.heading : null;
  }

  function onPosition(position) {
    if (state.mode !== "walking" || !state.data) return;
    counters.positions += 1;
    var c = position.coords;
    var fix = { lat: c.latitude, lon: c.longitude, accuracy: c.accuracy || 0, heading: null };
    fix.heading = headingOf(c, fix);
    var place = state.locate(fix.lon, fix.lat);
    var onRoute = place.offset <= K.farFromRouteM;
    if (!state.direction && onRoute) {
      state.trail.push(place.chainage);
      var found = inferDirection(state.trail, INFER_M);
      if (found) setDirection(found, true);
    }
    if (state.start === null && onRoute) state.start = place.chainage;
    draw(fix);
    checkZones(fix, place);
    report(fix, place);
    if (onRoute) state.lastChainage = place.chainage;
    panel.setAttribute("data-chainage", place.chainage.toFixed(1));
    panel.setAttribute("data-offset", place.offset.toFixed(1));
  }

  function onError(error) {
    statusEl.textContent = T.denied;
    panel.setAttribute("data-error", String(error && error.code));
  }

  function watch() {
    if (state.watchId !== null || !navigator.geolocation) return;
    state.watchId = navigator.geolocation.watchPosition(onPosition, onError, {
      enableHighAccuracy: true, maximumAge: 1000, timeout: 30000
    });
  }

  function unwatch() {
    if (state.watchId === null) return;
    navigator.geolocation.clearWatch(state.watchId);
    state.watchId = null;
  }

  /* --- the controls --- */

  function setDirection(direction, inferred) {
    state.direction = direction;
    panel.setAttribute("data-direction", direction);
    panel.setAttribute("data-direction-inferred", String(!!inferred));
    // the stop list follows the walk's direction
    var btn = document.querySelector('.direction button[data-direction="' + direction + '"]');
    if (btn && btn.getAttribute("aria-pressed") !== "true") btn.click();
  }

  function setMode(mode) {
    state.mode = mode;
    panel.setAttribute("data-mode", mode);
    startBtn.hidden = mode === "walking";
    startBtn.textContent = mode === "paused" ? T.resume : T.start;
    pauseBtn.hidden = mode !== "walking";
    endBtn.hidden = mode === "idle";
    followBtn.hidden = mode === "idle";
    directionBox.disabled = mode !== "idle";
    directionBox.hidden = mode !== "idle"; // room for what the walk says
    openBtn.classList.toggle("walking", mode === "walking");
  }

  function setPanel(open) {
    panel.hidden = !open;
    openBtn.setAttribute("aria-expanded", String(open));
  }

  function setFollow(on) {
    state.follow = on;
    followBtn.setAttribute("aria-pressed", String(on));
    var d = state.drawn, m = map();
    if (on && d && m) {
      m.setView([d.lat, d.lon], Math.max(m.getZoom(), 16), { animate: false });
      state.centre = { lat: d.lat, lon: d.lon };
      counters.pans += 1;
    }
  }

  function start() {
    if (!navigator.geolocation) {
      statusEl.textContent = T.unsupported;
      return;
    }
    ready.then(function () {
      if (state.mode === "idle") {
        state.nudged = {};
        state.announced = {};
        state.trail = [];
        state.start = null;
        state.lastChainage = null;
        log.length = 0;
        var choice = (panel.querySelector('input[name="walk-direction"]:checked') || {}).value || "auto";
        state.choice = choice;
        state.direction = null;
        panel.removeAttribute("data-direction");
        panel.setAttribute("data-tour", tour() ? tour().slug : "");
        // a followed tour walks in its own order, unless the walker chose a direction
        var along = choice === "auto" ? tourDirection() : choice;
        if (along) setDirection(along, choice === "auto");
      }
      setMode("walking");
      statusEl.textContent = T.waiting;
      watch();
    }, function () {
      statusEl.textContent = T.denied;
    });
  }

  function pause() {
    unwatch();
    setMode("paused");
    statusEl.textContent = T.paused;
  }

  function end() {
    unwatch();
    setMode("idle");
    dropLayers();
    nudgeBox.hidden = true;
    statusEl.textContent = T.ended;
    progressEl.textContent = "";
    nextEl.textContent = "";
  }

  openBtn.addEventListener("click", function () {
    setPanel(panel.hidden);
    if (!panel.hidden) $("walk-heading").focus();
  });
  $("walk-heading").setAttribute("tabindex", "-1");
  closeBtn.addEventListener("click", function () {
    setPanel(false);
    openBtn.focus();
  });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { setPanel(false); openBtn.focus(); }
  });
  startBtn.addEventListener("click", start);
  pauseBtn.addEventListener("click", pause);
  endBtn.addEventListener("click", end);
  followBtn.addEventListener("click", function () { setFollow(!state.follow); });
  nudgeOpen.addEventListener("click", function () {
    var w = state.byId[nudgeBox.getAttribute("data-id")];
    if (w) openCard(w, false);
  });
  autoplayBox.checked = false; // off by default, every visit
  setMode("idle");

  // the walker moving the map stops it following them until "Follow me"
  function watchDrags() {
    var m = map();
    if (!m) return;
    m.on("dragstart", function () { if (state.mode !== "idle") setFollow(false); });
  }
  if (document.readyState === "complete") watchDrags();
  else window.addEventListener("load", watchDrags, { once: true });

  // a hidden page that is not walking watches nothing
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && state.mode !== "walking") unwatch();
  });

  /* --- the card's player, and what offline use saves --- */

  function cardAudio(id) {
    var w = state.byId[id];
    if (!w || !w.audio) return null;
    var seconds = Math.round(w.audio.seconds);
    var sec = String(seconds % 60);
    var label = fmt(T.story, { min: Math.floor(seconds / 60), sec: sec.length < 2 ? "0" + sec : sec });
    var labelId = "walk-audio-label-" + id, noteId = "walk-audio-note-" + id;
    return el("div", { className: "walk-audio" },
      el("p", { className: "walk-audio-label", id: labelId }, label),
      el("audio", {
        controls: "controls", preload: "none", src: w.audio.url, "data-work-id": String(id),
        "aria-labelledby": labelId, "aria-describedby": noteId
      }),
      el("p", { className: "meta walk-audio-note", id: noteId }, T.transcript));
  }

  function offlineAudio() {
    var out = { urls: [], bytes: 0, count: 0 };
    if (!state.data) return out;
    state.data.works.forEach(function (w) {
      if (!w.audio) return;
      out.urls.push(new URL(w.audio.url, location.href).href);
      out.bytes += w.audio.bytes;
      out.count += 1;
    });
    return out;
  }

  window.TerrenkurWalk = {
    geometry: geometry,
    ready: ready,
    dataUrl: W.data, // offline.js keeps it with the page
    cardAudio: cardAudio,
    offlineAudio: offlineAudio,
    stats: function () {
      return {
        positions: counters.positions, redraws: counters.redraws, pans: counters.pans, cards: counters.cards,
        mode: state.mode
      };
    },
    log: function () { return log.slice(); }
  };
})();
