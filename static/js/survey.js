/*
 * Cultural Terrenkur, field survey ("Add a work here"), for a curator on a phone.
 *
 * - The phone's position (geolocation, watched) with its accuracy drawn as a circle;
 *   the point follows it until the curator nudges it (arrow buttons, dragging the
 *   marker), taps the map or types coordinates. How it was placed (gps, map, typed)
 *   and the fix (accuracy, time) go to the server, which decides the precision
 *   (mapapp/survey.py): the page only proposes it.
 * - The stored works are on the map (curator.js's worksLayer); a point within
 *   contract.nearWorkM of one gets a warning. Tapping a work edits it.
 * - Saving never needs the network: new works, edits and photos go into a queue in
 *   IndexedDB (one store, plain API), shown with a count, and are sent in order
 *   through the curator JSON API when the network is there (at once, when it
 *   returns, every 30 s, or "Send now"). Each has a client-made Idempotency-Key, so
 *   a queue sent twice (a lost answer, two tabs) changes nothing the second time.
 * - An edit whose work changed meanwhile (409) stays in the queue as a conflict,
 *   shown with both versions side by side; nothing is overwritten and the curator's
 *   change is kept until they send it over the new version or discard it.
 * - Signing out from this page deletes the queue (issue 9: nothing private stays on
 *   a shared phone), after a warning when something is not sent yet; the service
 *   worker deletes it on any sign-out.
 *
 * Every text from the data is set with textContent. Needs common.js and curator.js.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var fmt = C.fmt;
  var el = C.el;
  var DB_NAME = "terrenkur-survey";
  var QUEUE = "queue";
  var SENT = "sent"; // key of a sent new work -> its id, for photos queued with it
  var RETRY_MS = 30000;
  var PHOTO_MAX_PX = 2048;
  var EDITABLE = ["title", "kind", "location_precision", "description", "address", "source_url", "source_note"];

  /* --- the queue in IndexedDB ---------------------------------------------------- */

  var dbPromise = null;

  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var db = req.result;
        db.createObjectStore(QUEUE, { keyPath: "seq", autoIncrement: true });
        db.createObjectStore(SENT, { keyPath: "key" });
      };
      req.onsuccess = function () {
        var db = req.result;
        // a sign-out elsewhere deletes the database: let it, and open again if needed
        db.onversionchange = function () { db.close(); dbPromise = null; };
        resolve(db);
      };
      req.onerror = function () { reject(req.error); };
    });
    return dbPromise;
  }

  function tx(store, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode);
        var result;
        var req = work(t.objectStore(store));
        if (req) req.onsuccess = function () { result = req.result; };
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }

  var Queue = {
    all: function () { return tx(QUEUE, "readonly", function (s) { return s.getAll(); }); },
    add: function (item) { return tx(QUEUE, "readwrite", function (s) { return s.add(item); }); },
    put: function (item) { return tx(QUEUE, "readwrite", function (s) { return s.put(item); }); },
    remove: function (seq) { return tx(QUEUE, "readwrite", function (s) { return s.delete(seq); }); },
    sent: function (key) { return tx(SENT, "readonly", function (s) { return s.get(key); }); },
    markSent: function (key, id) {
      return tx(SENT, "readwrite", function (s) { return s.put({ key: key, id: id }); });
    },
    destroy: function () {
      return (dbPromise || Promise.resolve(null)).then(function (db) {
        if (db) db.close();
        dbPromise = null;
        return new Promise(function (resolve) {
          var req = indexedDB.deleteDatabase(DB_NAME);
          req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
        });
      });
    }
  };

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  /* A camera photo made at most PHOTO_MAX_PX on its longer side (a JPEG), or as it is. */
  function shrink(file) {
    if (!window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bmp) {
      var scale = Math.min(1, PHOTO_MAX_PX / Math.max(bmp.width, bmp.height));
      if (scale === 1 && file.size < 2e6) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  /* --- the page ---------------------------------------------------------------- */

  function mount(map, settingsId) {
    var S = C.readSettings(settingsId);
    var T = S.strings;
    var urls = S.contract.urls;
    var lang = document.documentElement.lang || "en";
    var $ = function (id) { return document.getElementById(id); };
    var form = $("survey-form");
    var readout = $("fix-readout");
    var nearBox = $("near-warning");
    var precision = $("survey-precision");
    var photosInput = $("survey-photos");
    var state = {
      fix: null,         // {lat, lon, accuracy_m, fixed_at} of the latest position
      point: null,       // L.LatLng of the work
      placed: null,      // "gps", "clicked" or "typed"
      follow: true,      // the point follows the position until the curator moves it
      editing: null,     // the stored work being edited
      moved: false,      // the point was changed since the edit started
      precisionChosen: false,
      replacing: null    // the queue item a "load back" will replace
    };
    var marker = null;
    var circle = null;
    var syncing = null;
    var lastItems = [];

    function plural(forms, n) {
      var cat = "other";
      try { cat = new Intl.PluralRules(lang).select(n); } catch (e) { cat = n === 1 ? "one" : "other"; }
      return fmt(forms[cat] || forms.other || forms.one, { num: n });
    }

    var stored = window.TerrenkurCurator.worksLayer(map, urls.works, null, startEdit);

    /* the point and what it earns --------------------------------------------- */

    function nudgeMetres() {
      if (!state.fix || !state.point) return null;
      return C.haversine(state.fix.lat, state.fix.lon, state.point.lat, state.point.lng);
    }

    function earned() {
      var d = nudgeMetres();
      if (state.placed === "typed") return "estimated";
      if (state.placed !== "gps" || !state.fix) return "approximate";
      if (state.fix.accuracy_m > S.approximateMaxAccuracyM) return "estimated";
      var good = state.fix.accuracy_m <= S.surveyedMaxAccuracyM && d !== null && d <= S.maxNudgeM;
      return good ? "surveyed" : "approximate";
    }

    function updatePrecision() {
      var best = earned();
      var surveyed = precision.querySelector("option[value=surveyed]");
      surveyed.disabled = best !== "surveyed";
      if (!state.precisionChosen || (precision.value === "surveyed" && best !== "surveyed")) {
        precision.value = best;
      }
      precision.setAttribute("data-earned", best);
    }

    function describe() {
      var parts = [];
      if (state.fix) {
        var time = new Date(state.fix.fixed_at).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
        var acc = Math.round(state.fix.accuracy_m);
        parts.push(state.fix.accuracy_m <= S.surveyedMaxAccuracyM
          ? fmt(T.fixGood, { acc: acc, time: time })
          : fmt(T.fixPoor, { acc: acc, time: time, max: S.surveyedMaxAccuracyM }));
      }
      if (state.placed === "clicked") parts.push(T.tapped);
      else if (state.placed === "typed") parts.push(T.typed);
      else {
        var d = nudgeMetres();
        if (d !== null && d >= 1) {
          parts.push(fmt(d > S.maxNudgeM ? T.nudgedFar : T.nudged, { m: Math.round(d), max: S.maxNudgeM }));
        }
      }
      readout.textContent = parts.join(" ") || T.locating;
      readout.setAttribute("data-precision", earned());
    }

    function setPoint(latlng, placed) {
      state.point = L.latLng(latlng);
      if (placed) state.placed = placed;
      if (!marker) {
        // a drawn pin (no image to fetch, so it shows offline too)
        var pin = L.divIcon({ className: "survey-pin", iconSize: [28, 28], iconAnchor: [14, 34] });
        marker = L.marker(state.point, { icon: pin, draggable: true, keyboard: true, autoPan: true, title: "" }).addTo(map);
        marker.on("dragend", function () {
          state.follow = false;
          state.moved = true;
          setPoint(marker.getLatLng(), state.placed || (state.fix ? "gps" : "clicked"));
        });
      } else {
        marker.setLatLng(state.point);
      }
      updatePrecision();
      describe();
      window.TerrenkurCurator.warnNear(nearBox, nearestOther(), S.contract, T.near);
    }

    function nearestOther() {
      if (!state.point) return null;
      var found = stored.nearest(state.point.lat, state.point.lng);
      if (found && state.editing && found.work.id === state.editing.id) return null;
      return found;
    }

    /* Centre the map; a view asked for while Leaflet still animates the first fit
       would be dropped (its _tryAnimatedZoom declines), so wait for that to end. */
    function showAt(ll, zoom) {
      if (map._animatingZoom) {
        map.once("zoomend", function () { setTimeout(function () { showAt(ll, zoom); }, 0); });
        return;
      }
      map.setView(ll, zoom, { animate: false });
    }

    function onPosition(pos) {
      var c = pos.coords;
      state.fix = {
        lat: c.latitude, lon: c.longitude, accuracy_m: c.accuracy,
        fixed_at: new Date(pos.timestamp || Date.now()).toISOString()
      };
      var ll = L.latLng(c.latitude, c.longitude);
      if (!circle) {
        circle = L.circle(ll, { radius: c.accuracy, color: "#0b5cad", weight: 1, fillOpacity: 0.12,
          interactive: false, className: "fix-accuracy" }).addTo(map);
        showAt(ll, 18);
      } else {
        circle.setLatLng(ll).setRadius(c.accuracy);
      }
      map.getContainer().setAttribute("data-fix-accuracy", String(Math.round(c.accuracy)));
      if (state.follow && !state.editing) setPoint(ll, "gps");
      else { updatePrecision(); describe(); }
    }

    function onPositionError(err) {
      readout.textContent = err && err.code === 1 ? T.denied : T.noGeolocation;
    }

    if (navigator.geolocation) {
      navigator.geolocation.watchPosition(onPosition, onPositionError,
        { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
    } else {
      readout.textContent = T.noGeolocation;
    }

    $("use-position").addEventListener("click", function () {
      state.follow = true;
      state.moved = true;
      if (state.fix) setPoint([state.fix.lat, state.fix.lon], "gps");
    });

    var STEPS = { n: [1, 0], s: [-1, 0], e: [0, 1], w: [0, -1] };
    Array.prototype.forEach.call(document.querySelectorAll("[data-nudge]"), function (button) {
      button.addEventListener("click", function () {
        var base = state.point || (state.fix && L.latLng(state.fix.lat, state.fix.lon));
        if (!base) return;
        var step = STEPS[button.getAttribute("data-nudge")];
        var dLat = step[0] * S.nudgeStepM / 111320;
        var dLon = step[1] * S.nudgeStepM / (111320 * Math.cos(base.lat * Math.PI / 180));
        state.follow = false;
        state.moved = true;
        setPoint([base.lat + dLat, base.lng + dLon], state.placed || (state.fix ? "gps" : "clicked"));
      });
    });

    map.on("click", function (e) {
      state.follow = false;
      state.moved = true;
      setPoint(e.latlng, "clicked");
    });

    $("typed-place").addEventListener("click", function () {
      var read = function (id) { return parseFloat(String($(id).value).replace(",", ".")); };
      var lat = read("typed-lat"), lon = read("typed-lon");
      if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return;
      state.follow = false;
      state.moved = true;
      setPoint([lat, lon], "typed");
      showAt(L.latLng(lat, lon), Math.max(map.getZoom(), 17));
    });

    precision.addEventListener("change", function () { state.precisionChosen = true; });

    photosInput.addEventListener("change", function () {
      var n = photosInput.files.length;
      $("survey-photos-chosen").textContent = n ? plural(T.photosChosen, n) : "";
    });

    /* editing a stored work ---------------------------------------------------- */

    function fill(values) {
      EDITABLE.forEach(function (name) {
        var field = form.elements[name];
        if (field) field.value = values[name] === null || values[name] === undefined ? "" : values[name];
      });
    }

    function startEdit(work) {
      state.editing = work;
      state.placed = null; // a move from here on says how it was made
      state.moved = false;
      state.follow = false;
      state.precisionChosen = true;
      fill(work);
      setPoint([work.lat, work.lon], null);
      precision.value = work.location_precision;
      $("survey-mode-text").textContent = fmt(T.editing, { title: work.title, v: work.version });
      $("survey-cancel-edit").hidden = false;
      form.scrollIntoView({ block: "start" });
    }

    function resetForm() {
      form.reset();
      restoreCredit();
      photosInput.value = "";
      $("survey-photos-chosen").textContent = "";
      state.editing = null;
      state.moved = false;
      state.precisionChosen = false;
      state.replacing = null;
      state.follow = true;
      $("survey-mode-text").textContent = T.newWork;
      $("survey-cancel-edit").hidden = true;
      if (state.fix) setPoint([state.fix.lat, state.fix.lon], "gps");
      else updatePrecision();
    }

    $("survey-cancel-edit").addEventListener("click", resetForm);

    /* The phone's date (the photos are taken now), as 2026-06-01. */
    function today() {
      var d = new Date();
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
    }

    /* The photographer and licence chosen last time are the defaults next time. */
    var CREDIT_KEY = "terrenkur-survey-credit";
    function restoreCredit() {
      try {
        var kept = JSON.parse(localStorage.getItem(CREDIT_KEY) || "null");
        if (kept && kept.user === S.user) {
          form.elements.photo_author.value = kept.author;
          form.elements.photo_licence.value = kept.licence;
        }
      } catch (e) { /* no storage: the defaults stay */ }
    }
    restoreCredit();
    function keepCredit() {
      try {
        localStorage.setItem(CREDIT_KEY, JSON.stringify({ user: S.user,
          author: form.elements.photo_author.value, licence: form.elements.photo_licence.value }));
      } catch (e) { /* private mode */ }
    }

    function formError(text) {
      var box = $("survey-form-error");
      box.textContent = text || "";
      box.hidden = !text;
    }

    function where() {
      var out = { lat: +state.point.lat.toFixed(7), lon: +state.point.lng.toFixed(7), placed: state.placed };
      if (state.placed === "gps" && state.fix) out.fix = state.fix;
      return out;
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var values = {};
      EDITABLE.forEach(function (name) { values[name] = String(form.elements[name].value).trim(); });
      if (!values.title) { formError(T.titleRequired); return; }
      if (!state.point) { formError(T.placeFirst); return; }
      formError("");
      var files = Array.prototype.slice.call(photosInput.files);
      var work = state.editing;
      var items = [];
      var parentKey = null;
      if (!work) {
        var body = {};
        EDITABLE.forEach(function (name) { if (values[name]) body[name] = values[name]; });
        Object.assign(body, where(), { status: "draft" });
        parentKey = newKey();
        items.push({ type: "create", key: parentKey, title: values.title, body: body });
      } else {
        var change = { version: work.version };
        var changed = false;
        EDITABLE.forEach(function (name) {
          var before = work[name] === null || work[name] === undefined ? "" : String(work[name]);
          if (values[name] !== before) { change[name] = values[name]; changed = true; }
        });
        if (state.moved) { Object.assign(change, where()); changed = true; }
        if (changed) {
          var base = {};
          Object.keys(change).forEach(function (k) { base[k] = work[k]; });
          items.push({ type: "edit", key: newKey(), title: values.title, workId: work.id, body: change, base: base });
        }
      }
      if (files.length) keepCredit();
      Promise.all(files.map(shrink)).then(function (blobs) {
        blobs.forEach(function (blob, i) {
          items.push({
            type: "photo", key: newKey(), title: values.title,
            workId: work ? work.id : null, parentKey: parentKey,
            blob: blob, fileName: files[i].name || "photo.jpg",
            credit: {
              author: String(form.elements.photo_author.value).trim() || S.user,
              licence: form.elements.photo_licence.value,
              taken_on: today()
            }
          });
        });
        var replacing = state.replacing;
        return items.reduce(function (p, item) {
          item.user = S.user;
          item.state = "waiting";
          item.createdAt = new Date().toISOString();
          return p.then(function () { return Queue.add(item); });
        }, Promise.resolve()).then(function () {
          return replacing ? replaceCreate(replacing, parentKey) : null;
        });
      }).then(function () {
        $("survey-network").textContent = fmt(T.savedLocally, { title: values.title });
        resetForm();
        return render();
      }).then(sync);
    });

    /* A refused new work typed again: its queued photos go with the new copy. */
    function replaceCreate(seq, newKey) {
      return Queue.all().then(function (items) {
        var old = items.filter(function (i) { return i.seq === seq; })[0];
        if (!old) return null;
        return items.filter(function (i) { return i.type === "photo" && i.parentKey === old.key; })
          .reduce(function (p, photo) {
            photo.parentKey = newKey;
            return p.then(function () { return Queue.put(photo); });
          }, Promise.resolve())
          .then(function () { return Queue.remove(seq); });
      });
    }

    /* the queue on the page ------------------------------------------------------ */

    function label(item) {
      return fmt(T[item.type], { title: item.title });
    }

    function twoTap(button, first, sure, action) {
      button.textContent = first;
      var armed = false;
      button.addEventListener("click", function () {
        if (!armed) { armed = true; button.textContent = sure; return; }
        action();
      });
    }

    function conflictTable(item) {
      var cur = item.current || {};
      var table = el("table", { className: "data conflict-table" },
        el("caption", null, fmt(T.conflictTitle, { title: cur.title || item.title, v: cur.version })),
        el("thead", null, el("tr", null, el("th", { scope: "col" }, T.field),
          el("th", { scope: "col" }, T.mine), el("th", { scope: "col" }, T.theirs))));
      var body = el("tbody");
      Object.keys(item.body).forEach(function (k) {
        if (k === "version" || k === "fix" || k === "placed") return;
        var mine = item.body[k], theirs = cur[k];
        body.appendChild(el("tr", { className: String(mine) === String(theirs) ? "same" : "differs" },
          el("th", { scope: "row" }, S.fieldLabels[k] || k),
          el("td", { className: "mine" }, mine === null || mine === undefined ? "" : String(mine)),
          el("td", { className: "theirs" }, theirs === null || theirs === undefined ? "" : String(theirs))));
      });
      table.appendChild(body);
      return el("div", { className: "table-wrap" }, table);
    }

    function render() {
      return Queue.all().then(function (items) {
        items = items.filter(function (i) { return i.user === S.user; });
        lastItems = items;
        var count = $("queue-count");
        count.textContent = items.length ? plural(T.queued, items.length) : T.nothingQueued;
        count.setAttribute("data-count", String(items.length));
        var list = $("queue-list");
        list.textContent = "";
        stored.setExtra(items.filter(function (i) { return i.type === "create"; }).map(function (i) {
          return { lat: i.body.lat, lon: i.body.lon, title: i.title };
        }));
        items.forEach(function (item) {
          var why = T[item.state] || item.state;
          if (item.note) why = item.note;
          var li = el("li", { className: "queue-item " + item.state, "data-type": item.type, "data-state": item.state },
            el("span", { className: "queue-label" }, label(item)), " · ", el("span", { className: "queue-state" }, why));
          if (item.state === "conflict") li.appendChild(conflictTable(item));
          if (item.state === "invalid" && item.errors) {
            var ul = el("ul", { className: "queue-errors" });
            Object.keys(item.errors).forEach(function (f) {
              ul.appendChild(el("li", null, (S.fieldLabels[f] || f) + ": " + item.errors[f]));
            });
            li.appendChild(ul);
          }
          var actions = el("p", { className: "actions" });
          if (item.state === "conflict") {
            var keep = el("button", { type: "button", className: "primary keep-mine" },
              fmt(T.keepMine, { v: item.current.version }));
            keep.addEventListener("click", function () {
              item.body.version = item.current.version;
              item.key = newKey(); // another change than the one first sent
              item.state = "waiting";
              delete item.current;
              Queue.put(item).then(render).then(sync);
            });
            actions.appendChild(keep);
          }
          if (item.state === "invalid") {
            var again = el("button", { type: "button" }, T.retry);
            again.addEventListener("click", function () {
              item.state = "waiting";
              delete item.errors;
              Queue.put(item).then(render).then(sync);
            });
            actions.appendChild(again);
            if (item.type === "create") {
              var back = el("button", { type: "button" }, T.loadBack);
              back.addEventListener("click", function () {
                resetForm();
                fill(item.body);
                state.replacing = item.seq;
                state.follow = false;
                if (item.body.fix) state.fix = item.body.fix;
                setPoint([item.body.lat, item.body.lon], item.body.placed);
                form.scrollIntoView({ block: "start" });
              });
              actions.appendChild(back);
            }
          }
          if (item.state === "conflict" || item.state === "invalid") {
            var drop = el("button", { type: "button", className: "discard" });
            twoTap(drop, T.discard, T.discardSure, function () { Queue.remove(item.seq).then(render); });
            actions.appendChild(drop);
          }
          if (actions.childNodes.length) li.appendChild(actions);
          list.appendChild(li);
        });
        return items;
      });
    }

    /* sending -------------------------------------------------------------------- */

    function Stop(reason) { this.reason = reason; }

    function session() {
      return fetch(urls.session, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (r.status === 401 || r.status === 403) throw new Stop("signIn");
          if (!r.ok) throw new Stop("server");
          return r.json();
        }, function () { throw new Stop("offline"); })
        .then(function (doc) { return doc.csrf_token; });
    }

    function request(method, url, token, key, body) {
      var headers = { "X-CSRFToken": token, "Idempotency-Key": key, Accept: "application/json" };
      var payload = body;
      if (!(body instanceof FormData)) {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(body);
      }
      return fetch(url, { method: method, credentials: "same-origin", headers: headers, body: payload })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (doc) { return { status: r.status, doc: doc }; });
        }, function () { throw new Stop("offline"); });
    }

    function workUrl(id) { return fmt(urls.work, { id: id }); }

    /* How many queued changes this page has sent (for the curious, and the tests). */
    var sentCount = 0;
    function done(item) {
      sentCount += 1;
      map.getContainer().setAttribute("data-sent", String(sentCount));
      return Queue.remove(item.seq);
    }

    function sendOne(item, token) {
      if (item.type === "create") {
        return request("POST", urls.works, token, item.key, item.body).then(function (res) {
          if (res.status === 201 || res.status === 200) {
            return Queue.markSent(item.key, res.doc.id).then(function () { return done(item); });
          }
          return settle(item, res);
        });
      }
      if (item.type === "edit") {
        return request("PATCH", workUrl(item.workId), token, item.key, item.body).then(function (res) {
          if (res.status === 200) return done(item);
          if (res.status === 409) {
            item.state = "conflict";
            item.current = res.doc.current;
            return Queue.put(item);
          }
          return settle(item, res);
        });
      }
      // a photo: through the photos API, once its work is on the server
      var target = item.workId ? Promise.resolve({ id: item.workId }) : Queue.sent(item.parentKey);
      return target.then(function (found) {
        if (!found) {
          if (item.note !== T.photoWaits) { item.note = T.photoWaits; return Queue.put(item); }
          return null;
        }
        var data = new FormData();
        data.append("file", item.blob, item.fileName);
        Object.keys(item.credit || {}).forEach(function (k) { data.append(k, item.credit[k]); });
        return request("POST", fmt(urls.photos, { id: found.id }), token, item.key, data).then(function (res) {
          if (res.status === 201 || res.status === 200) return done(item);
          return settle(item, res);
        });
      });
    }

    /* A refusal: a 400 or 404 needs the curator; anything else is tried again later. */
    function settle(item, res) {
      if (res.status === 400 || res.status === 404 || res.status === 413 || res.status === 422) {
        item.state = "invalid";
        item.errors = res.doc.fields || { "": res.doc.message || String(res.status) };
        delete item.note;
        return Queue.put(item);
      }
      if (res.status === 401 || res.status === 403) throw new Stop("signIn");
      throw new Stop("server");
    }

    function showNetwork(text) { $("survey-network").textContent = text; }

    function sync() {
      if (syncing) return syncing;
      if (!navigator.onLine) { showNetwork(T.offline); return Promise.resolve(); }
      syncing = Queue.all().then(function (items) {
        var todo = items.filter(function (i) { return i.user === S.user && i.state === "waiting"; });
        if (!todo.length) return null;
        showNetwork(T.syncing);
        return session().then(function (token) {
          return todo.reduce(function (p, item) {
            return p.then(function () { return sendOne(item, token); });
          }, Promise.resolve());
        }).then(function () {
          showNetwork(T.synced);
          return stored.load();
        });
      }).catch(function (e) {
        if (!(e instanceof Stop)) throw e;
        if (e.reason === "signIn") {
          showNetwork(T.signIn + " ");
          $("survey-network").appendChild(el("a", { href: urls.login }, T.signInLink));
        } else {
          showNetwork(T.offline);
        }
      }).then(function () {
        syncing = null;
        return render();
      }, function (e) {
        syncing = null;
        throw e;
      });
      return syncing;
    }

    $("sync-now").addEventListener("click", function () { sync(); });
    window.addEventListener("online", function () { showNetwork(T.online); sync(); });
    window.addEventListener("offline", function () { showNetwork(T.offline); });
    setInterval(function () { if (lastItems.length) sync(); }, RETRY_MS);

    /* signing out from this page deletes the queue, after a warning ------------- */

    var signOut = document.querySelector("form[action$='/logout']");
    if (signOut) {
      var sure = false;
      var leave = function () {
        sure = true;
        try { localStorage.removeItem(CREDIT_KEY); } catch (err) { /* none kept */ }
        Queue.destroy().then(function () { signOut.submit(); });
      };
      signOut.addEventListener("submit", function (e) {
        if (sure) return;
        e.preventDefault();
        Queue.all().then(function (items) {
          var waiting = items.filter(function (i) { return i.user === S.user; }).length;
          if (!waiting) { leave(); return; }
          $("signout-warning-text").textContent = plural(T.signOutWarning, waiting);
          $("signout-warning").hidden = false;
          $("signout-warning").scrollIntoView({ block: "center" });
        }, leave);
      });
      $("signout-stay").textContent = T.stay;
      $("signout-anyway").textContent = T.signOutAnyway;
      $("signout-stay").addEventListener("click", function () { $("signout-warning").hidden = true; sync(); });
      $("signout-anyway").addEventListener("click", leave);
    }

    /* The service worker keeps this page and its list of works for a reload with no
       signal (its own cache, dropped at sign-out; see sw.js). */
    if ("serviceWorker" in navigator && window.isSecureContext && S.worker) {
      navigator.serviceWorker.register(S.worker, { scope: S.scope }).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        if (!navigator.onLine || !registration.active) return null;
        var ask = function (msg) {
          return new Promise(function (resolve) {
            var channel = new MessageChannel();
            channel.port1.onmessage = function (e) { resolve(e.data); };
            registration.active.postMessage(msg, [channel.port2]);
          });
        };
        // its scripts, styles and icons (public files, kept like the map's), then itself
        var assets = Array.prototype.map.call(
          document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel~=icon][href]"),
          function (node) { return node.src || node.href; });
        return ask({ type: "keep", urls: assets }).then(function () {
          return ask({ type: "keep-survey", data: new URL(urls.works, location.href).href });
        });
      }).then(function (reply) {
        if (reply && reply.ok) document.documentElement.setAttribute("data-survey-kept", "true");
      }).catch(function () { /* the page works without it, only not after a reload offline */ });
    }

    showNetwork(navigator.onLine ? T.online : T.offline);
    updatePrecision();
    stored.load().then(function () { if (state.point) setPoint(state.point, null); });
    window.TerrenkurSurvey.map = map;
    render().then(function () {
      map.getContainer().setAttribute("data-ready", "true");
      return sync();
    });
  }

  window.TerrenkurSurvey = { mount: mount };
})();
