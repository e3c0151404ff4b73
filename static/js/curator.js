/*
 * Cultural Terrenkur, curator form: place a work by clicking or dragging on the map
 * or by typing coordinates, and read its chainage and offset from the route live
 * (from the server, which checks the distance limit). Needs common.js.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var fmt = C.fmt;

  function mount(map, settingsId) {
    var S = C.readSettings(settingsId);
    var latInput = document.getElementById(S.latInput);
    var lonInput = document.getElementById(S.lonInput);
    var readout = document.getElementById(S.readout);
    var marker = null;
    var pending = null;

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
    map.getContainer().setAttribute("data-ready", "true");
    window.TerrenkurCurator.map = map;
  }

  window.TerrenkurCurator = { mount: mount };
})();
