/*
 * Cultural Terrenkur, curator form: place a work by clicking or dragging on the map
 * or by typing coordinates, and read its chainage and offset from the route live
 * (from the server, which checks the distance limit). The map shows the works
 * already stored (drafts too) and warns when the point is within the contract's
 * nearWorkM of one of them. Needs common.js; the survey page (survey.js) reuses
 * worksLayer().
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var fmt = C.fmt;

  /*
   * The stored works on a map, as small grey rings with their titles, and a way to
   * ask which is nearest a point. exceptId leaves out the work being edited.
   * onChoose(work), if given, is called when a ring is tapped.
   */
  function worksLayer(map, url, exceptId, onChoose) {
    var layer = L.layerGroup().addTo(map);
    var works = [];
    var extra = [];

    function draw() {
      layer.clearLayers();
      works.concat(extra).forEach(function (w) {
        var ring = L.circleMarker([w.lat, w.lon], {
          radius: 7, color: "#4a5561", weight: 2, fillColor: "#ffffff", fillOpacity: 0.9,
          className: "stored-work"
        }).bindTooltip(C.el("span", null, String(w.title))); // a node: the title stays text
        if (onChoose && w.id) ring.on("click", function (e) { L.DomEvent.stop(e); onChoose(w); });
        ring.addTo(layer);
      });
    }

    function load() {
      return fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (rows) {
          if (!rows) return works;
          works = rows.filter(function (w) { return w.id !== exceptId && w.status !== "retired"; });
          draw();
          map.getContainer().setAttribute("data-works", String(works.length));
          return works;
        })
        .catch(function () { return works; /* offline: keep what we had */ });
    }

    /* The nearest work to a point: {work, metres}, or null. */
    function nearest(lat, lon) {
      var best = null;
      works.concat(extra).forEach(function (w) {
        var d = C.haversine(lat, lon, w.lat, w.lon);
        if (!best || d < best.metres) best = { work: w, metres: d };
      });
      return best;
    }

    /* Works not stored yet (queued on this phone) count as neighbours too. */
    function setExtra(list) { extra = list; draw(); }

    return { layer: layer, load: load, nearest: nearest, setExtra: setExtra,
      works: function () { return works; } };
  }

  /* Show or hide a warning that a point is within nearWorkM of another work. */
  function warnNear(box, found, contract, template) {
    if (!box) return;
    if (found && found.metres <= contract.nearWorkM) {
      box.textContent = fmt(template, { m: Math.round(found.metres), title: found.work.title });
      box.hidden = false;
    } else {
      box.textContent = "";
      box.hidden = true;
    }
  }

  function mount(map, settingsId) {
    var S = C.readSettings(settingsId);
    var latInput = document.getElementById(S.latInput);
    var lonInput = document.getElementById(S.lonInput);
    var readout = document.getElementById(S.readout);
    var nearBox = document.getElementById(S.near);
    var marker = null;
    var pending = null;
    var stored = worksLayer(map, S.contract.urls.works, S.workId || null);

    function parse(input) {
      var v = parseFloat(String(input.value).replace(",", "."));
      return isFinite(v) ? v : null;
    }

    function describe(lat, lon) {
      if (pending) pending.abort();
      pending = new AbortController();
      var url = S.contract.urls.locate + "?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon);
      fetch(url, { credentials: "same-origin", signal: pending.signal })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          if (!d) return;
          var text = d.within
            ? fmt(S.strings.along, { km: (d.chainage_m / 1000).toFixed(2), dist: Math.round(d.offset_m) })
            : fmt(S.strings.tooFar, { dist: Math.round(d.offset_m), max: Math.round(d.max_offset_m) });
          readout.textContent = text;
          readout.classList.toggle("too-far", !d.within);
        })
        .catch(function () { /* a newer request replaced this one, or offline */ });
    }

    function place(lat, lon, fromInputs) {
      var ll = L.latLng(lat, lon);
      if (!marker) {
        marker = L.marker(ll, { draggable: true, keyboard: true, title: "", autoPan: true }).addTo(map);
        marker.on("dragend", function () {
          var p = marker.getLatLng();
          obtained("clicked");
          place(p.lat, p.lng, false);
        });
      } else {
        marker.setLatLng(ll);
      }
      if (!fromInputs) {
        latInput.value = lat.toFixed(6);
        lonInput.value = lon.toFixed(6);
      }
      describe(lat, lon);
      warnNear(nearBox, stored.nearest(lat, lon), S.contract, S.strings.near);
    }

    /* How the point was obtained sets its precision (mapapp/provenance.py): a point
       clicked, dragged or typed is never "surveyed on site" by default. */
    var method = document.getElementById("field-position-method");
    var precision = document.querySelector('select[name="location_precision"]');
    function obtained(how) {
      if (method) method.value = how;
      if (precision && precision.value === "surveyed") {
        precision.value = how === "clicked" ? "approximate" : "estimated";
      }
    }

    map.on("click", function (e) { obtained("clicked"); place(e.latlng.lat, e.latlng.lng, false); });

    function fromInputs() {
      var lat = parse(latInput), lon = parse(lonInput);
      if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) return;
      place(lat, lon, true);
      if (!map.getBounds().contains([lat, lon])) map.panTo([lat, lon]);
    }
    function typed() { obtained("typed"); fromInputs(); }
    latInput.addEventListener("change", typed);
    lonInput.addEventListener("change", typed);

    var lat = parse(latInput), lon = parse(lonInput);
    if (lat !== null && lon !== null) {
      place(lat, lon, true);
      map.setView([lat, lon], 16);
    } else {
      readout.textContent = S.strings.hint;
    }
    stored.load().then(function () {
      var p = marker && marker.getLatLng();
      if (p) warnNear(nearBox, stored.nearest(p.lat, p.lng), S.contract, S.strings.near);
    });
    map.getContainer().setAttribute("data-ready", "true");
    window.TerrenkurCurator.map = map;
  }

  window.TerrenkurCurator = { mount: mount, worksLayer: worksLayer, warnNear: warnNear };
})();
