/*
 * Cultural Terrenkur: the walk map's behaviour on top of the folium-built map.
 *
 * Reads one JSON settings blob (route, stops, labels, strings and the contract
 * from mapapp/contract.py), then builds the marker clusters per kind, popups, the
 * legend, filters, the stop list in walking order, and "locate me". Each part is a
 * named function over one state object, `app`; mount() wires them in order. Text
 * from the data is only ever set with textContent. Needs common.js.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var fmt = C.fmt;
  var el = C.el;

  var WIDE = "(min-width: 900px)";
  // wayfinding layers shipped with the data: streets crossed, bike stations
  var LAYER_STYLES = {
    crossings: { radius: 5, weight: 2, color: "#0b5cad", fillColor: "#ffffff", fillOpacity: 1 },
    bike_stations: { radius: 6, weight: 2, color: "#ffffff", fillColor: "#2e7d32", fillOpacity: 1 }
  };

  function isWide() { return !!(window.matchMedia && window.matchMedia(WIDE).matches); }

  /* The settings blob, with the focused work's slug from its data-focus attribute. */
  function readSettings(settingsId) {
    var S = C.readSettings(settingsId);
    S.focus = document.getElementById(settingsId).getAttribute("data-focus") || null;
    return S;
  }

  function say(app, text) { app.statusEl.textContent = text; }

  /* --- markers, in one cluster group --- */

  function buildIcons(S) {
    var icons = {};
    S.kinds.forEach(function (k) {
      icons[k.id] = L.icon({
        iconUrl: k.icon, iconSize: [32, 40], iconAnchor: [16, 39], popupAnchor: [0, -34],
        tooltipAnchor: [14, -22]
      });
    });
    return icons;
  }

  function buildMarkers(app) {
    var map = app.map, S = app.S;
    var icons = buildIcons(S);
    app.cluster = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 40, spiderfyOnMaxZoom: true,
      chunkedLoading: true
    });
    map.addLayer(app.cluster);

    app.stops = S.stops.features.map(function (f) {
      var p = f.properties;
      var marker = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
        icon: icons[p.kind], title: p.title, alt: p.title, keyboard: true, riseOnHover: true
      });
      marker.bindPopup(function () { return buildPopup(app, p); }, {
        maxWidth: Math.min(300, map.getSize().x - 100),
        maxHeight: Math.max(220, Math.round(map.getSize().y * 0.7)),
        // keep clear of the zoom and layer controls at the top of the map
        autoPanPaddingTopLeft: [60, 16],
        autoPanPaddingBottomRight: [16, 16]
      });
      marker.on("popupopen", function () {
        if (history.replaceState && S.focus !== p.slug) {
          history.replaceState(null, "", fmt(S.contract.urls.permalink, { slug: p.slug }) + location.search);
        }
      });
      return { id: p.id, props: p, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1], marker: marker };
    });
    app.byId = {};
    app.stops.forEach(function (s) { app.byId[s.id] = s; });
  }

  /* --- the layer switch: one toggle layer per kind, and the wayfinding layers --- */

  function buildLayers(app) {
    var map = app.map, S = app.S;
    var overlays = {};
    app.kindLayers = {};
    S.kinds.forEach(function (k) {
      app.kindLayers[k.id] = L.layerGroup().addTo(map); // a switch only; markers live in the cluster
      overlays['<span class="tk-layer-label"><img src="' + C.escapeHtml(k.icon) +
        '" alt="" width="16" height="20"> ' + C.escapeHtml(k.label) + "</span>"] = app.kindLayers[k.id];
    });
    Object.keys(S.layers || {}).forEach(function (name) {
      var group = L.geoJSON(S.layers[name], {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, LAYER_STYLES[name] || {}).bindTooltip(
            el("span", {}, f.properties.name), { direction: "right", offset: [6, 0] });
        }
      });
      if (name === "crossings") group.addTo(map);
      overlays[C.escapeHtml(S.layerLabels[name] || name)] = group;
    });
    L.control.layers(null, overlays, { collapsed: true, position: "bottomleft" }).addTo(map);
  }

  /* --- legend --- */

  function buildLegend(app) {
    var S = app.S, T = app.T;
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
        if (isWide()) box.open = true;
        L.DomEvent.disableClickPropagation(box);
        return box;
      }
    });
    new Legend().addTo(app.map);
  }

  /* --- popups --- */

  /* The language of a text when it is not the page's (a fallback translation). */
  function textLang(app, p, field) {
    var lang = p.text_lang && p.text_lang[field];
    return lang && lang !== app.S.lang ? lang : null;
  }

  function buildPopup(app, p) {
    var S = app.S, T = app.T, contract = S.contract;
    var box = el("div", { className: "tk-popup" });
    box.appendChild(el("h2", { tabindex: "-1", lang: textLang(app, p, "title") }, p.title));
    if (p.artists && p.artists.length) {
      // "by {artist}" with a link to each artist's page in place of {artist}
      var by = String(T.by).split("{artist}");
      var line = el("p", { className: "artist" }, by[0]);
      p.artists.forEach(function (a, i) {
        if (i) line.appendChild(document.createTextNode(", "));
        line.appendChild(el("a", { href: fmt(app.S.contract.urls.artistUrl, { slug: a.slug }) }, a.name));
      });
      line.appendChild(document.createTextNode(by.slice(1).join("")));
      box.appendChild(line);
    } else if (p.artist) {
      box.appendChild(el("p", { className: "artist" }, fmt(T.by, { artist: p.artist })));
    }
    var festival = p.edition_name || p.festival_name || p.festival;
    var facts = [app.kinds[p.kind] ? app.kinds[p.kind].label : p.kind, festival, p.year ? String(p.year) : ""]
      .filter(Boolean).join(" · ");
    box.appendChild(el("p", { className: "meta" }, facts));
    if (p.dates) box.appendChild(el("p", { className: "meta dates" }, T.dates + ": " + p.dates));
    if (p.photo) {
      box.appendChild(el("img", {
        className: "photo", src: fmt(contract.urls.photoUrl, { name: p.photo }),
        alt: fmt(T.photoOf, { title: p.title }), loading: "lazy"
      }));
    }
    if (p.description) {
      box.appendChild(el("p", { className: "description", lang: textLang(app, p, "description") }, p.description));
    }
    // walk mode's audio story (static/js/walk.js), with the text above as its transcript
    var story = window.TerrenkurWalk && window.TerrenkurWalk.cardAudio(p.id);
    if (story) box.appendChild(story);
    if (p.address) {
      box.appendChild(el("p", { className: "address" }, el("strong", {}, T.address + ": "),
        el("span", { lang: textLang(app, p, "address") }, p.address)));
    }
    var along = fmt(T.kmAlong, { km: (p.chainage_m / 1000).toFixed(1) });
    if (p.offset_m > contract.popupOffRouteM) {
      along += " · " + fmt(T.offRoute, { dist: C.distanceText(p.offset_m, T) });
    }
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

  /* --- filters --- */

  function visible(app, s) {
    var kindOn = app.map.hasLayer(app.kindLayers[s.props.kind]);
    var f = app.state.festival;
    var edition = f.indexOf("edition:") === 0 ? f.slice(8) : null;
    var festOn = !f || (f === "-" ? !s.props.festival :
      edition ? s.props.edition === edition : s.props.festival === f);
    return kindOn && festOn;
  }

  /* Markers and list items of the works the filters let through; the count; the boxes. */
  function applyFilters(app) {
    var shown = app.stops.filter(function (s) { return visible(app, s); });
    app.cluster.clearLayers();
    app.cluster.addLayers(shown.map(function (s) { return s.marker; }));
    var ids = {};
    shown.forEach(function (s) { ids[s.id] = true; });
    app.items.forEach(function (li) { li.hidden = !ids[li.getAttribute("data-id")]; });
    document.getElementById("stop-count").textContent = String(shown.length);
    document.querySelectorAll('#filters input[name="kind"]').forEach(function (box) {
      box.checked = app.map.hasLayer(app.kindLayers[box.value]);
    });
    if (app.state.walker) reportPosition(app);
  }

  function buildFilters(app) {
    var map = app.map;
    // the layer switch and the kind boxes turn the same layers on and off
    map.on("layeradd layerremove", function (e) {
      for (var k in app.kindLayers) if (app.kindLayers[k] === e.layer) return applyFilters(app);
    });
    var form = document.getElementById("filters");
    form.addEventListener("change", function (e) {
      var t = e.target;
      if (t.name === "kind") {
        if (t.checked) map.addLayer(app.kindLayers[t.value]);
        else map.removeLayer(app.kindLayers[t.value]);
      } else if (t.name === "festival") {
        app.state.festival = t.value;
        applyFilters(app);
      }
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  }

  /* --- the stop list and the panel --- */

  function orderList(app) {
    var sorted = app.items.slice().sort(function (a, b) {
      var d = parseFloat(a.getAttribute("data-chainage")) - parseFloat(b.getAttribute("data-chainage"));
      return app.state.direction === "forward" ? d : -d;
    });
    sorted.forEach(function (li) { app.listEl.appendChild(li); });
  }

  function setPanel(app, open) {
    app.panel.classList.toggle("open", open);
    app.toggle.setAttribute("aria-expanded", String(open));
  }

  /* Show a work's marker and open its popup; moveFocus puts the keyboard on its title;
   * then(popupElement) runs once it is open (walk mode plays the story in it). */
  function focusStop(app, id, moveFocus, then) {
    var s = app.byId[id];
    if (!s) return;
    if (!isWide()) setPanel(app, false);
    app.cluster.zoomToShowLayer(s.marker, function () {
      s.marker.openPopup();
      if (then) then(s.marker.getPopup().getElement());
      if (moveFocus) {
        var heading = s.marker.getPopup().getElement().querySelector("h2");
        if (heading) heading.focus();
      }
    });
  }

  function buildStopList(app) {
    var buttons = document.querySelectorAll(".direction button");
    buttons.forEach(function (btn) {
      btn.addEventListener("click", function () {
        app.state.direction = btn.getAttribute("data-direction");
        buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b === btn)); });
        orderList(app);
        if (app.state.walker) reportPosition(app);
      });
    });
    app.toggle.addEventListener("click", function () {
      setPanel(app, !app.panel.classList.contains("open"));
    });
    app.listEl.addEventListener("click", function (e) {
      var btn = e.target.closest("button.stop");
      if (btn) focusStop(app, parseInt(btn.getAttribute("data-id"), 10), e.detail === 0);
    });
  }

  /* --- locate me --- */

  /* The first shown stop ahead of chainage `here`, beyond the contract's "passed" margin. */
  function nextAhead(app, here) {
    var best = null;
    app.stops.forEach(function (s) {
      if (!visible(app, s)) return;
      var ahead = app.state.direction === "forward" ? s.props.chainage_m - here : here - s.props.chainage_m;
      if (ahead > app.S.contract.passedWithinM && (!best || ahead < best.ahead)) best = { stop: s, ahead: ahead };
    });
    return best;
  }

  function nearestTo(app, lat, lon) {
    var best = null;
    app.stops.forEach(function (s) {
      if (!visible(app, s)) return;
      var d = C.haversine(lat, lon, s.lat, s.lon);
      if (!best || d < best.dist) best = { stop: s, dist: d };
    });
    return best;
  }

  function reportPosition(app) {
    var S = app.S, T = app.T, contract = S.contract;
    var w = app.state.walker;
    var place = app.locate(w.lon, w.lat);
    var heading = T[S.headings[app.state.direction]] || S.headings[app.state.direction];
    var lines = [];
    if (place.offset > contract.farFromRouteM) {
      lines.push(fmt(T.farFromRoute, { dist: C.distanceText(place.offset, T) }));
    }
    var next = nextAhead(app, place.chainage);
    if (next) {
      lines.push(fmt(T.nextAhead, {
        dir: heading, title: next.stop.props.title, dist: C.distanceText(next.ahead, T),
        min: Math.max(1, Math.round(C.walkingMinutes(next.ahead, contract)))
      }));
    } else {
      lines.push(fmt(T.noneAhead, { dir: heading }));
    }
    var near = nearestTo(app, w.lat, w.lon);
    if (near) lines.push(fmt(T.nearest, { title: near.stop.props.title, dist: C.distanceText(near.dist, T) }));
    say(app, lines.join("\n"));
    app.statusEl.setAttribute("data-next-id", next ? String(next.stop.id) : "");
    app.statusEl.setAttribute("data-nearest-id", near ? String(near.stop.id) : "");
    app.statusEl.setAttribute("data-walker-chainage", place.chainage.toFixed(1));
  }

  function showWalker(app, e) {
    var layer = app.walkerLayer;
    layer.clearLayers();
    if (e.accuracy && e.accuracy < 2000) {
      L.circle(e.latlng, { radius: e.accuracy, weight: 1, color: "#1a73e8", fillOpacity: 0.1, interactive: false })
        .addTo(layer);
    }
    L.circleMarker(e.latlng, {
      radius: 8, weight: 3, color: "#ffffff", fillColor: "#1a73e8", fillOpacity: 1, className: "walker-dot"
    }).bindTooltip(app.T.youAreHere).addTo(layer);
  }

  function locateMe(app) {
    var map = app.map, T = app.T;
    app.walkerLayer = L.layerGroup().addTo(map);
    document.getElementById("locate").addEventListener("click", function () {
      say(app, T.locating);
      map.locate({ setView: false, enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
    });
    map.on("locationfound", function (e) {
      app.state.walker = { lat: e.latlng.lat, lon: e.latlng.lng };
      showWalker(app, e);
      map.setView(e.latlng, Math.max(map.getZoom(), 16));
      reportPosition(app);
    });
    map.on("locationerror", function (e) {
      say(app, fmt(T.locateFailed, { reason: e.message || "" }));
    });
  }

  /* --- tiles that fail must not hide the layers; say so once --- */

  function watchTiles(map) {
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
  }

  /* A route line from OpenStreetMap is ODbL: credit it where the map credits its tiles. */
  function creditRoute(app) {
    var props = app.S.route.properties || {};
    if (!props.attribution || !app.map.attributionControl) return;
    var credit = C.safeHttpUrl(props.attribution_url)
      ? el("a", { href: props.attribution_url }, props.attribution)
      : el("span", {}, props.attribution);
    app.map.attributionControl.addAttribution(credit.outerHTML);
  }

  function fitRoute(app) {
    var routeLine = app.S.route.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
    // room at the top for the marker pins above the northernmost point
    app.map.fitBounds(L.latLngBounds(routeLine), {
      paddingTopLeft: [24, 48], paddingBottomRight: [24, 24], animate: false
    });
  }

  function openFocused(app) {
    if (!app.S.focus) return;
    var target = app.stops.filter(function (s) { return s.props.slug === app.S.focus; })[0];
    if (target) focusStop(app, target.id, false);
  }

  function mount(map, settingsId) {
    var S = readSettings(settingsId);
    var app = {
      map: map,
      S: S,
      T: S.strings,
      kinds: {},
      locate: C.makeLocator(S.route.geometry.coordinates, S.contract.projection),
      state: { direction: "forward", festival: "", walker: null },
      statusEl: document.getElementById("status"),
      listEl: document.getElementById("stops"),
      panel: document.getElementById("panel"),
      toggle: document.getElementById("panel-toggle")
    };
    S.kinds.forEach(function (k) { app.kinds[k.id] = k; });
    app.items = Array.prototype.slice.call(app.listEl.querySelectorAll("li[data-id]"));

    buildMarkers(app);
    buildLayers(app);
    buildLegend(app);
    buildFilters(app);
    buildStopList(app);
    locateMe(app);
    watchTiles(map);
    creditRoute(app);

    applyFilters(app);
    orderList(app);
    map.invalidateSize();
    fitRoute(app);
    openFocused(app);
    map.getContainer().setAttribute("data-ready", "true");
    window.Terrenkur.map = map;
    window.Terrenkur.cluster = app.cluster;
    window.Terrenkur.locate = app.locate;
    // walk mode opens a work's card when the walker reaches it
    window.Terrenkur.openStop = function (id, then) { focusStop(app, id, false, then); };
  }

  window.Terrenkur = { mount: mount };
})();
