/*
 * Cultural Terrenkur: the walk map's behaviour on top of the folium-built map.
 *
 * Reads one JSON settings blob (route, stops, labels, strings), then builds the
 * marker clusters per kind, popups, the legend, filters, the stop list in walking
 * order, and "locate me". Text from the data is only ever set with textContent.
 */
(function () {
  "use strict";

  var EARTH_RADIUS_M = 6371008.8;
  var WALK_M_PER_MIN = 4500 / 60;
  var PASSED_WITHIN_M = 15; // as mapapp.geo.next_stop

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* Create an element; string children become text nodes (never HTML). */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "className") node.className = value;
      else node.setAttribute(name, value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === "") continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function safeHttpUrl(url) {
    return /^https?:\/\//i.test(url || "") ? url : null;
  }

  function distanceText(metres, S) {
    if (metres < 1000) return fmt(S.m, { n: Math.max(10, Math.round(metres / 10) * 10) });
    return fmt(S.km, { n: (metres / 1000).toFixed(1) });
  }

  function haversine(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var dlat = (lat2 - lat1) * rad;
    var dlon = (lon2 - lon1) * rad;
    var a = Math.pow(Math.sin(dlat / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dlon / 2), 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /*
   * A walker's place on the route: chainage and offset in metres, in a local plane
   * around the route, scaled so that the route's length matches the server's.
   */
  function makeLocator(coords, serverLengthM) {
    var lat0 = coords.reduce(function (s, c) { return s + c[1]; }, 0) / coords.length;
    var ky = EARTH_RADIUS_M * Math.PI / 180;
    var kx = ky * Math.cos(lat0 * Math.PI / 180);
    var pts = coords.map(function (c) { return [c[0] * kx, c[1] * ky]; });
    var cum = [0];
    for (var i = 1; i < pts.length; i++) {
      cum.push(cum[i - 1] + Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]));
    }
    var scale = serverLengthM && cum[cum.length - 1] ? serverLengthM / cum[cum.length - 1] : 1;
    return function (lon, lat) {
      var p = [lon * kx, lat * ky];
      var best = { offset: Infinity, chainage: 0 };
      for (var j = 1; j < pts.length; j++) {
        var a = pts[j - 1], b = pts[j];
        var dx = b[0] - a[0], dy = b[1] - a[1];
        var len2 = dx * dx + dy * dy;
        var t = len2 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
        t = Math.max(0, Math.min(1, t));
        var qx = a[0] + t * dx, qy = a[1] + t * dy;
        var d = Math.hypot(p[0] - qx, p[1] - qy);
        if (d < best.offset) {
          best = { offset: d, chainage: cum[j - 1] + t * Math.sqrt(len2) };
        }
      }
      return { chainage: best.chainage * scale, offset: best.offset * scale };
    };
  }

  function mount(map, settingsId) {
    var settingsEl = document.getElementById(settingsId);
    var S = JSON.parse(settingsEl.textContent);
    S.focus = settingsEl.getAttribute("data-focus") || null;
    var T = S.strings;
    var kinds = {};
    S.kinds.forEach(function (k) { kinds[k.id] = k; });
    var routeProps = S.route.properties;
    var locate = makeLocator(S.route.geometry.coordinates, routeProps.length_m);
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
          history.replaceState(null, "", fmt(S.permalink, { slug: p.slug }) + location.search);
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
          className: "photo", src: fmt(S.photoUrl, { name: p.photo }), alt: fmt(T.photoOf, { title: p.title }),
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
      if (p.offset_m > 50) along += " · " + fmt(T.offRoute, { dist: distanceText(p.offset_m, T) });
      box.appendChild(el("p", { className: "chainage" }, along));
      box.appendChild(el("p", { className: "meta precision" },
        T.precision + ": " + (S.precision[p.location_precision] || p.location_precision)));
      var links = el("p", { className: "links" });
      var src = safeHttpUrl(p.source_url);
      if (src) links.appendChild(el("a", { href: src, target: "_blank", rel: "noopener noreferrer" }, T.source));
      links.appendChild(el("a", { href: fmt(S.permalink, { slug: p.slug }) }, T.permalink));
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
        if (ahead > PASSED_WITHIN_M && (!best || ahead < best.ahead)) best = { stop: s, ahead: ahead };
      });
      return best;
    }

    function nearestTo(lat, lon) {
      var best = null;
      stops.forEach(function (s) {
        if (!visible(s)) return;
        var d = haversine(lat, lon, s.lat, s.lon);
        if (!best || d < best.dist) best = { stop: s, dist: d };
      });
      return best;
    }

    function reportPosition() {
      var w = state.walker;
      var place = locate(w.lon, w.lat);
      var heading = T[S.headings[state.direction]] || S.headings[state.direction];
      var lines = [];
      if (place.offset > 500) lines.push(fmt(T.farFromRoute, { dist: distanceText(place.offset, T) }));
      var next = nextAhead(place.chainage);
      if (next) {
        lines.push(fmt(T.nextAhead, {
          dir: heading, title: next.stop.props.title, dist: distanceText(next.ahead, T),
          min: Math.max(1, Math.round(next.ahead / WALK_M_PER_MIN))
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

    // a route line from OpenStreetMap is ODbL: credit it where the map credits its tiles
    if (routeProps.attribution && map.attributionControl) {
      var credit = safeHttpUrl(routeProps.attribution_url)
        ? el("a", { href: routeProps.attribution_url }, routeProps.attribution)
        : el("span", {}, routeProps.attribution);
      map.attributionControl.addAttribution(credit.outerHTML);
    }

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
  }

  window.Terrenkur = { mount: mount, makeLocator: makeLocator, haversine: haversine };
})();
