/*
 * Cultural Terrenkur: the walk map's behaviour on top of the folium-built map.
 *
 * Reads one JSON settings blob (route, stops, labels, strings and the contract
 * from mapapp/contract.py), then builds the marker clusters per kind, popups, the
 * legend, filters, the stop list in walking order, and "locate me". Text from the
 * data is only ever set with textContent. Needs common.js.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var fmt = C.fmt;
  var el = C.el;
  var escapeHtml = C.escapeHtml;
  var distanceText = C.distanceText;

  function mount(map, settingsId) {
    var S = C.readSettings(settingsId);
    S.focus = document.getElementById(settingsId).getAttribute("data-focus") || null;
    var T = S.strings;
    var contract = S.contract;
    var kinds = {};
    S.kinds.forEach(function (k) { kinds[k.id] = k; });
    var locate = C.makeLocator(S.route.geometry.coordinates, contract.projection);
    var state = { direction: "forward", festival: "", walker: null };

    var statusEl = document.getElementById("status");
    var listEl = document.getElementById("stops");
    var panel = document.getElementById("panel");
    var toggle = document.getElementById("panel-toggle");

    function say(text) { statusEl.textContent = text; }

    /* --- markers, one cluster group, one toggle layer per kind --- */
    var icons = {};
    S.kinds.forEach(function (k) {
      icons[k.id] = L.icon({
        iconUrl: k.icon, iconSize: [32, 40], iconAnchor: [16, 39], popupAnchor: [0, -34],
        tooltipAnchor: [14, -22]
      });
    });
    var cluster = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 40, spiderfyOnMaxZoom: true,
      chunkedLoading: true
    });
    map.addLayer(cluster);

    var stops = S.stops.features.map(function (f) {
      var p = f.properties;
      var marker = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
        icon: icons[p.kind], title: p.title, alt: p.title, keyboard: true, riseOnHover: true
      });
      marker.bindPopup(function () { return popupContent(p); }, {
        maxWidth: Math.min(300, map.getSize().x - 100),
        maxHeight: Math.max(220, Math.round(map.getSize().y * 0.7)),
        // keep clear of the zoom and layer controls at the top of the map
        autoPanPaddingTopLeft: [60, 16],
        autoPanPaddingBottomRight: [16, 16]
      });
      marker.on("popupopen", function () {
        if (history.replaceState && S.focus !== p.slug) {
          history.replaceState(null, "", fmt(contract.urls.permalink, { slug: p.slug }) + location.search);
        }
      });
      return { id: p.id, props: p, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1], marker: marker };
    });
    var byId = {};
    stops.forEach(function (s) { byId[s.id] = s; });

    var kindLayers = {};
    var overlays = {};
    S.kinds.forEach(function (k) {
      kindLayers[k.id] = L.layerGroup().addTo(map); // a switch only; markers live in the cluster
      overlays['<span class="tk-layer-label"><img src="' + escapeHtml(k.icon) +
        '" alt="" width="16" height="20"> ' + escapeHtml(k.label) + "</span>"] = kindLayers[k.id];
    });
    // wayfinding layers shipped with the data: streets crossed, bike stations
    var layerStyles = {
      crossings: { radius: 5, weight: 2, color: "#0b5cad", fillColor: "#ffffff", fillOpacity: 1 },
      bike_stations: { radius: 6, weight: 2, color: "#ffffff", fillColor: "#2e7d32", fillOpacity: 1 }
    };
    Object.keys(S.layers || {}).forEach(function (name) {
      var group = L.geoJSON(S.layers[name], {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, layerStyles[name] || {}).bindTooltip(
            el("span", {}, f.properties.name), { direction: "right", offset: [6, 0] });
        }
      });
      if (name === "crossings") group.addTo(map);
      overlays[escapeHtml(S.layerLabels[name] || name)] = group;
    });
    L.control.layers(null, overlays, { collapsed: true, position: "bottomleft" }).addTo(map);

    /* --- legend --- */
    var Legend = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var items = el("ul", {}, el("li", {}, el("span", { className: "route-swatch" }), T.route));
        S.kinds.forEach(function (k) {
          items.appendChild(el("li", {}, el("img", { src: k.icon, alt: "", width: 16, height: 20 }), k.label));
        });
        Object.keys(S.layers || {}).forEach(function (name) {
          items.appendChild(el("li", {}, el("span", { className: "dot-swatch " + name }), S.layerLabels[name] || name));
        });
        var box = el("details", { className: "tk-legend leaflet-control" }, el("summary", {}, T.legend), items);
        if (window.matchMedia && window.matchMedia("(min-width: 900px)").matches) box.open = true;
        L.DomEvent.disableClickPropagation(box);
        return box;
      }
    });
    new Legend().addTo(map);

    /* --- popups --- */
    function textLang(p, field) {
      var lang = p.text_lang && p.text_lang[field];
      return lang && lang !== S.lang ? lang : null;
    }

    function popupContent(p) {
      var box = el("div", { className: "tk-popup" });
      box.appendChild(el("h2", { tabindex: "-1", lang: textLang(p, "title") }, p.title));
      if (p.artist) box.appendChild(el("p", { className: "artist" }, fmt(T.by, { artist: p.artist })));
      var facts = [kinds[p.kind] ? kinds[p.kind].label : p.kind, p.festival, p.year ? String(p.year) : ""]
        .filter(Boolean).join(" · ");
      box.appendChild(el("p", { className: "meta" }, facts));
      if (p.photo) {
        box.appendChild(el("img", {
          className: "photo", src: fmt(contract.urls.photoUrl, { name: p.photo }), alt: fmt(T.photoOf, { title: p.title }),
          loading: "lazy"
        }));
      }
      if (p.description) {
        box.appendChild(el("p", { className: "description", lang: textLang(p, "description") }, p.description));
      }
      if (p.address) {
        box.appendChild(el("p", { className: "address" }, el("strong", {}, T.address + ": "),
          el("span", { lang: textLang(p, "address") }, p.address)));
      }
      var along = fmt(T.kmAlong, { km: (p.chainage_m / 1000).toFixed(1) });
      if (p.offset_m > contract.popupOffRouteM) along += " · " + fmt(T.offRoute, { dist: distanceText(p.offset_m, T) });
      box.appendChild(el("p", { className: "chainage" }, along));
      box.appendChild(el("p", { className: "meta precision" },
        T.precision + ": " + (S.precision[p.location_precision] || p.location_precision)));
      var links = el("p", { className: "links" });
      var src = C.safeHttpUrl(p.source_url);
      if (src) links.appendChild(el("a", { href: src, target: "_blank", rel: "noopener noreferrer" }, T.source));
      links.appendChild(el("a", { href: fmt(contract.urls.permalink, { slug: p.slug }) }, T.permalink));
      box.appendChild(links);
      if (p.source_note) box.appendChild(el("p", { className: "meta source-note" }, p.source_note));
      return box;
    }

    /* --- filters and list --- */
    var items = Array.prototype.slice.call(listEl.querySelectorAll("li[data-id]"));

    function visible(s) {
      var kindOn = map.hasLayer(kindLayers[s.props.kind]);
      var f = state.festival;
      var festOn = !f || (f === "-" ? !s.props.festival : s.props.festival === f);
      return kindOn && festOn;
    }

    function applyFilters() {
      var shown = stops.filter(visible);
      cluster.clearLayers();
      cluster.addLayers(shown.map(function (s) { return s.marker; }));
      var ids = {};
      shown.forEach(function (s) { ids[s.id] = true; });
      items.forEach(function (li) { li.hidden = !ids[li.getAttribute("data-id")]; });
      document.getElementById("stop-count").textContent = String(shown.length);
      document.querySelectorAll('#filters input[name="kind"]').forEach(function (box) {
        box.checked = map.hasLayer(kindLayers[box.value]);
      });
      if (state.walker) reportPosition();
    }

    function orderList() {
      var sorted = items.slice().sort(function (a, b) {
        var d = parseFloat(a.getAttribute("data-chainage")) - parseFloat(b.getAttribute("data-chainage"));
        return state.direction === "forward" ? d : -d;
      });
      sorted.forEach(function (li) { listEl.appendChild(li); });
    }

    map.on("layeradd layerremove", function (e) {
      for (var k in kindLayers) if (kindLayers[k] === e.layer) return applyFilters();
    });

    document.getElementById("filters").addEventListener("change", function (e) {
      var t = e.target;
      if (t.name === "kind") {
        if (t.checked) map.addLayer(kindLayers[t.value]);
        else map.removeLayer(kindLayers[t.value]);
      } else if (t.name === "festival") {
        state.festival = t.value;
        applyFilters();
      }
    });
    document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); });

    document.querySelectorAll(".direction button").forEach(function (btn) {
      btn.addEventListener("click", function () {
        state.direction = btn.getAttribute("data-direction");
        document.querySelectorAll(".direction button").forEach(function (b) {
          b.setAttribute("aria-pressed", String(b === btn));
        });
        orderList();
        if (state.walker) reportPosition();
      });
    });

    function setPanel(open) {
      panel.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", String(open));
    }
    toggle.addEventListener("click", function () { setPanel(!panel.classList.contains("open")); });

    function isNarrow() { return !(window.matchMedia && window.matchMedia("(min-width: 900px)").matches); }

    function focusStop(id, moveFocus) {
      var s = byId[id];
      if (!s) return;
      if (isNarrow()) setPanel(false);
      cluster.zoomToShowLayer(s.marker, function () {
        s.marker.openPopup();
        if (moveFocus) {
          var heading = s.marker.getPopup().getElement().querySelector("h2");
          if (heading) heading.focus();
        }
      });
    }

    listEl.addEventListener("click", function (e) {
      var btn = e.target.closest("button.stop");
      if (btn) focusStop(parseInt(btn.getAttribute("data-id"), 10), e.detail === 0);
    });

    /* --- locate me --- */
    var walkerLayer = L.layerGroup().addTo(map);

    function nextAhead(here) {
      var best = null;
      stops.forEach(function (s) {
        if (!visible(s)) return;
        var ahead = state.direction === "forward" ? s.props.chainage_m - here : here - s.props.chainage_m;
        if (ahead > contract.passedWithinM && (!best || ahead < best.ahead)) best = { stop: s, ahead: ahead };
      });
      return best;
    }

    function nearestTo(lat, lon) {
      var best = null;
      stops.forEach(function (s) {
        if (!visible(s)) return;
        var d = C.haversine(lat, lon, s.lat, s.lon);
        if (!best || d < best.dist) best = { stop: s, dist: d };
      });
      return best;
    }

    function reportPosition() {
      var w = state.walker;
      var place = locate(w.lon, w.lat);
      var heading = T[S.headings[state.direction]] || S.headings[state.direction];
      var lines = [];
      if (place.offset > contract.farFromRouteM) lines.push(fmt(T.farFromRoute, { dist: distanceText(place.offset, T) }));
      var next = nextAhead(place.chainage);
      if (next) {
        lines.push(fmt(T.nextAhead, {
          dir: heading, title: next.stop.props.title, dist: distanceText(next.ahead, T),
          min: Math.max(1, Math.round(C.walkingMinutes(next.ahead, contract)))
        }));
      } else {
        lines.push(fmt(T.noneAhead, { dir: heading }));
      }
      var near = nearestTo(w.lat, w.lon);
      if (near) lines.push(fmt(T.nearest, { title: near.stop.props.title, dist: distanceText(near.dist, T) }));
      say(lines.join("\n"));
      statusEl.setAttribute("data-next-id", next ? String(next.stop.id) : "");
      statusEl.setAttribute("data-nearest-id", near ? String(near.stop.id) : "");
      statusEl.setAttribute("data-walker-chainage", place.chainage.toFixed(1));
    }

    document.getElementById("locate").addEventListener("click", function () {
      say(T.locating);
      map.locate({ setView: false, enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
    });

    map.on("locationfound", function (e) {
      state.walker = { lat: e.latlng.lat, lon: e.latlng.lng };
      walkerLayer.clearLayers();
      if (e.accuracy && e.accuracy < 2000) {
        L.circle(e.latlng, { radius: e.accuracy, weight: 1, color: "#1a73e8", fillOpacity: 0.1, interactive: false })
          .addTo(walkerLayer);
      }
      L.circleMarker(e.latlng, {
        radius: 8, weight: 3, color: "#ffffff", fillColor: "#1a73e8", fillOpacity: 1, className: "walker-dot"
      }).bindTooltip(T.youAreHere).addTo(walkerLayer);
      map.setView(e.latlng, Math.max(map.getZoom(), 16));
      reportPosition();
    });

    map.on("locationerror", function (e) {
      say(fmt(T.locateFailed, { reason: e.message || "" }));
    });

    /* --- tiles that fail must not hide the layers; say so once --- */
    var tileNoteShown = false;
    map.eachLayer(function (layer) {
      if (layer instanceof L.TileLayer) {
        layer.on("tileerror", function () {
          if (tileNoteShown) return;
          tileNoteShown = true;
          map.getContainer().setAttribute("data-tiles-failed", "true");
        });
      }
    });

    applyFilters();
    orderList();
    map.invalidateSize();
    var routeLine = S.route.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
    // room at the top for the marker pins above the northernmost point
    map.fitBounds(L.latLngBounds(routeLine), {
      paddingTopLeft: [24, 48], paddingBottomRight: [24, 24], animate: false
    });
    if (S.focus) {
      var target = stops.filter(function (s) { return s.props.slug === S.focus; })[0];
      if (target) focusStop(target.id, false);
    }
    map.getContainer().setAttribute("data-ready", "true");
    window.Terrenkur.map = map;
    window.Terrenkur.cluster = cluster;
    window.Terrenkur.locate = locate;
  }

  window.Terrenkur = { mount: mount };
})();
