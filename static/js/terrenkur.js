/*
 * Cultural Terrenkur: the walk map's behaviour on top of the folium-built map.
 *
 * Reads one small JSON settings blob (labels, strings, the contract from
 * mapapp/contract.py, the URLs of the data), fetches the route and the slim stop
 * table (one column per field, mapapp/payloads.py; a small walk has them inline in
 * the settings), then builds the marker clusters
 * per kind, the legend, filters, the stop list in walking order (a page of
 * listPageSize at a time, so 10,000 stops stay a few hundred DOM nodes) and "locate
 * me". A card (popup) shows what the slim table has at once and fetches the rest of
 * its work's texts in a detail chunk, once. Each part is a named function over one
 * state object, `app`; mount() wires them in order. Plugins (window.TerrenkurPlugins,
 * e.g. events.js) add filters and card parts to it. Text from the data is only ever
 * set with textContent. Needs common.js.
 *
 * Marks on the page's clock (performance.mark): terrenkur:data (the stops parsed),
 * terrenkur:first-marker and terrenkur:all-drawn (every marker clustered and those in
 * view on the map), terrenkur:usable (list and popups ready: data-ready).
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

  function mark(name) {
    if (window.performance && performance.mark) performance.mark("terrenkur:" + name);
  }

  /* The work a permalink names: the page's data-focus, or (a copy of the shell the
   * service worker serves for any permalink offline) the slug in the URL. */
  function focusFromUrl(template) {
    var path = String(template || "").split("?")[0];
    var at = path.indexOf("{slug}");
    if (at < 0) return null;
    var before = path.slice(0, at);
    var after = path.slice(at + "{slug}".length).replace(/\/$/, "");
    var here = location.pathname.replace(/index\.html$/, "").replace(/\/$/, "");
    if (here.indexOf(before) !== 0) return null;
    var rest = here.slice(before.length);
    if (after) {
      if (rest.slice(-after.length) !== after) return null;
      rest = rest.slice(0, -after.length);
    }
    return rest && rest.indexOf("/") < 0 ? decodeURIComponent(rest) : null;
  }

  function readSettings(settingsId) {
    var S = C.readSettings(settingsId);
    S.focus = document.getElementById(settingsId).getAttribute("data-focus") ||
      focusFromUrl(S.contract.urls.permalink);
    return S;
  }

  /* The status line over the map (hidden while empty; its close button empties it). */
  function say(app, text) {
    app.statusEl.textContent = text;
    if (app.statusBox) app.statusBox.classList.toggle("is-empty", !text);
  }

  /* The permalink of a work, keeping this page's other query arguments (a tour), never
   * a second ?lang= (the permalink template names the page's language already). */
  function permalinkHere(app, slug) {
    var url = new URL(fmt(app.S.contract.urls.permalink, { slug: slug }), location.href);
    new URLSearchParams(location.search).forEach(function (value, key) {
      if (!url.searchParams.has(key)) url.searchParams.append(key, value);
    });
    return url.pathname + url.search;
  }

  /* How far down the map's top is covered by notes (status, offline banner), in px. */
  function topClearance(app) {
    var top = app.map.getContainer().getBoundingClientRect().top, bottom = top;
    document.querySelectorAll(".map-notes > :not(.is-empty):not(:empty):not([hidden])").forEach(function (node) {
      var r = node.getBoundingClientRect();
      if (r.height) bottom = Math.max(bottom, r.bottom);
    });
    return Math.round(bottom - top);
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  /* --- the route --- */

  function drawRoute(app, route) {
    var feature = route.features[0];
    var latlngs = feature.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
    app.S.routeStyles.forEach(function (style, i) {
      var line = L.polyline(latlngs, L.extend({ interactive: i > 0 }, style)).addTo(app.map);
      if (i > 0) line.bindTooltip(app.T.routeName, { sticky: true });
      // a picture of the route, not a stop for the keyboard (the list names the works)
      var path = line.getElement();
      if (path) {
        path.setAttribute("tabindex", "-1");
        path.setAttribute("aria-hidden", "true");
      }
    });
    app.locate = C.makeLocator(feature.geometry.coordinates, app.S.contract.projection);
    window.Terrenkur.locate = app.locate;
    creditRoute(app, feature.properties || {});
  }

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

  /* "12 works" in the page's language (the plural forms come from the server). */
  function worksText(app, n) {
    var forms = app.T.works || {}, rules = app.pluralRules;
    var form = (rules && forms[rules.select(n)]) || forms.other || "{n}";
    return fmt(form, { n: C.number(n, 0, app.S.lang) });
  }

  function clusterIcon(app, cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    return L.divIcon({
      html: '<span aria-hidden="true">' + C.number(n, 0, app.S.lang) + '</span><span class="visually-hidden">' +
        C.escapeHtml(worksText(app, n)) + "</span>",
      className: "tk-cluster tk-cluster-" + size, iconSize: L.point(44, 44)
    });
  }

  function buildCluster(app) {
    app.cluster = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 40, spiderfyOnMaxZoom: true,
      iconCreateFunction: function (cluster) { return clusterIcon(app, cluster); },
      // in chunks of 200 ms so that the page answers meanwhile, with no pause between
      chunkedLoading: true, chunkDelay: 1,
      chunkProgress: function (done, total) {
        // called before the group puts the clusters on the map: settle right after that
        if (done === total) Promise.resolve().then(function () { clustered(app); });
      }
    });
    app.map.addLayer(app.cluster);
    // one popup at a time: bound to a marker when it is first opened
    app.cluster.on("click", function (e) {
      var m = e.layer;
      if (m && m._tk !== undefined && !m.getPopup()) openCard(app, m._tk);
    });
    app.cluster.on("popupopen", function (e) {
      if (e.layer && e.layer._tk !== undefined) cardOpened(app, e.layer._tk);
    });
    app.cluster.on("popupclose", function (e) {
      if (e.layer && e.layer._tk !== undefined) cardClosed(app, e.layer._tk);
    });
    // Escape closes the open card wherever the keyboard is on the map (Leaflet only
    // listens while the map itself has focus), and the keyboard goes back to its marker
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape" || app.openMarker === undefined) return;
      var m = app.markers[app.openMarker], popup = m && m.getPopup();
      if (!popup || !popup.isOpen()) return;
      var t = e.target, onMap = t === document.body || app.map.getContainer().contains(t);
      if (!onMap) return;
      var inCard = t.closest && t.closest(".leaflet-popup");
      app.map.closePopup();
      e.preventDefault();
      // the keyboard goes back where the card came from (the list), else to its marker
      var now = document.activeElement, icon = m.getElement();
      if (inCard && (!now || now === document.body) && icon && icon.isConnected) icon.focus();
    });
  }

  function buildMarkers(app) {
    var D = app.D, icons = buildIcons(app.S);
    var n = D.id.length;
    app.markers = new Array(n);
    app.bySlug = {};
    app.byId = {};
    for (var i = 0; i < n; i++) {
      var m = L.marker([D.lat[i], D.lon[i]], {
        icon: icons[D.kind[i]], title: D.title[i], alt: D.title[i], keyboard: true, riseOnHover: true
      });
      m._tk = i;
      app.markers[i] = m;
      app.bySlug[D.slug[i]] = i;
      app.byId[D.id[i]] = i;
    }
  }

  /* Mark the moment the first marker or cluster icon is put on the map. */
  function watchFirstMarker(app) {
    var pane = app.map.getPane("markerPane");
    if (!window.MutationObserver || !pane) return;
    var seen = new MutationObserver(function () {
      if (!pane.firstChild) return;
      seen.disconnect();
      mark("first-marker");
    });
    seen.observe(pane, { childList: true });
  }

  /* After each (re)clustering: the first time, the page is drawn and usable. */
  function clustered(app) {
    var waiting = app.onClustered;
    app.onClustered = [];
    waiting.forEach(function (fn) { fn(); });
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

  /* --- cards (popups): the slim fields at once, the details when their chunk is in --- */

  /* The language of a text when it is not the page's (a fallback translation). */
  function langOf(app, lang) { return lang && lang !== app.S.lang ? lang : null; }

  /* The detail chunk holding stop i: a promise, fetched once (again only after a failure). */
  function detailChunk(app, i) {
    var c = Math.floor(i / app.D.chunk);
    if (!app.chunks[c]) {
      app.chunks[c] = getJson(fmt(app.S.contract.urls.details, { n: c })).then(function (t) {
        var rows = {};
        t.id.forEach(function (id, k) { rows[id] = k; });
        app.details[c] = { table: t, rows: rows };
        return app.details[c];
      }, function (error) {
        delete app.chunks[c];
        throw error;
      });
    }
    return app.chunks[c];
  }

  /* The edition stop i belongs to, else its festival, by name. */
  function festivalText(app, i) {
    var D = app.D, edition = D.edition[i], festival = D.festival[i];
    return (edition && D.editionNames[edition]) || (festival && D.festivalNames[festival]) || festival;
  }

  /* "by {artist}" with a link to each of stop i's artists' pages in place of {artist}. */
  function artistLine(app, i, tag, className) {
    var D = app.D, by = String(app.T.by).split("{artist}");
    var line = el(tag, { className: className }, by[0]);
    D.artists[i].forEach(function (slug, k) {
      if (k) line.appendChild(document.createTextNode(", "));
      line.appendChild(el("a", { href: fmt(app.S.contract.urls.artistUrl, { slug: slug }) },
        D.artistNames[slug] || slug));
    });
    line.appendChild(document.createTextNode(by.slice(1).join("")));
    return line;
  }

  /* Stop i's details as an object, if its chunk is in. */
  function detailsOf(app, i) {
    var chunk = app.details[Math.floor(i / app.D.chunk)];
    if (!chunk) return null;
    var k = chunk.rows[app.D.id[i]];
    if (k === undefined) return null;
    var t = chunk.table, d = {};
    Object.keys(t).forEach(function (name) { if (Array.isArray(t[name])) d[name] = t[name][k]; });
    return d;
  }

  /* Everything of a card below its heading: slim fields, details or a state line. */
  function cardBody(app, i, d, state) {
    var S = app.S, T = app.T, D = app.D, contract = S.contract;
    var title = D.title[i];
    var nodes = [];
    if (D.artists[i].length) nodes.push(artistLine(app, i, "p", "artist"));
    else if (d && d.artist) nodes.push(el("p", { className: "artist" }, fmt(T.by, { artist: d.artist })));
    var kind = app.kinds[D.kind[i]] ? app.kinds[D.kind[i]].label : D.kind[i];
    var facts = [kind, festivalText(app, i), d && d.year ? String(d.year) : ""].filter(Boolean).join(" · ");
    nodes.push(el("p", { className: "meta" }, facts));
    if (d && d.dates) nodes.push(el("p", { className: "meta dates" }, T.dates + ": " + d.dates));
    // the gallery with credits from the details (cover first); till then the cover alone
    var photos = (d && d.photos && d.photos.length) ? d.photos : (D.photo[i] ? [{ name: D.photo[i] }] : []);
    if (photos.length) nodes.push(C.gallery(photos, contract.urls.photoUrl, T, title));
    if (d && d.description) {
      nodes.push(el("p", { className: "description", lang: langOf(app, d.descriptionLang) }, d.description));
    }
    // walk mode's audio story (static/js/walk.js), with the text above as its transcript
    var story = window.TerrenkurWalk && window.TerrenkurWalk.cardAudio(D.id[i]);
    if (story) nodes.push(story);
    if (d && d.address) {
      nodes.push(el("p", { className: "address" }, el("strong", {}, T.address + ": "),
        el("span", { lang: langOf(app, d.addressLang) }, d.address)));
    }
    var along = fmt(T.kmAlong, { km: C.number(D.chainage[i] / 1000, 1, S.lang) });
    if (D.offset[i] > contract.popupOffRouteM) {
      along += " · " + fmt(T.offRoute, { dist: C.distanceText(D.offset[i], T, S.lang) });
    }
    nodes.push(el("p", { className: "chainage" }, along));
    if (d) {
      nodes.push(el("p", { className: "meta precision" },
        T.precision + ": " + (S.precision[d.precision] || d.precision)));
    } else {
      nodes.push(el("p", { className: "meta details-state", role: "status" },
        state === "failed" ? T.detailsFailed : T.loadingDetails));
    }
    var links = el("p", { className: "links" });
    var src = d && C.safeHttpUrl(d.sourceUrl);
    if (src) links.appendChild(el("a", { href: src, target: "_blank", rel: "noopener noreferrer" }, T.source));
    links.appendChild(el("a", { href: fmt(contract.urls.permalink, { slug: D.slug[i] }) }, T.permalink));
    if (contract.urls.reportUrl) {
      links.appendChild(el("a", { className: "report-link", href: fmt(contract.urls.reportUrl, { slug: D.slug[i] }) }, T.reportProblem));
    }
    if (d && d.howWeKnow) nodes.push(el("p", { className: "meta how-we-know" }, T.howWeKnow + ": " + d.howWeKnow));
    if (d && d.surveyedOn) nodes.push(el("p", { className: "meta surveyed" }, fmt(T.surveyedOn, { date: d.surveyedOn })));
    nodes.push(links);
    // plugins' additions (events.js: the work's events and life): part(nodes, i, details)
    app.popupParts.forEach(function (part) { part(nodes, i, d); });
    return nodes;
  }

  /* What a card part (share.js...) is told of the work and the walker. */
  function cardInfo(app, i) {
    var D = app.D, w = app.state.walker, place = w && app.locate ? app.locate(w.lon, w.lat) : null;
    return {
      i: i, id: D.id[i], slug: D.slug[i], title: D.title[i], lat: D.lat[i], lon: D.lon[i],
      chainage: D.chainage[i], offset: D.offset[i], permalink: fmt(app.S.contract.urls.permalink, { slug: D.slug[i] }),
      walker: place ? { lat: w.lat, lon: w.lon, chainage: place.chainage, offset: place.offset } : null,
      S: app.S, T: app.T
    };
  }

  /* The card parts other scripts add (Terrenkur.cardParts), at the end of the card. */
  function extraParts(app, i) {
    var out = [];
    (window.Terrenkur.cardParts || []).forEach(function (part) {
      try {
        var node = part(cardInfo(app, i));
        if (node) out.push(node);
      } catch (e) { /* a part that fails leaves the card as it is */ }
    });
    return out;
  }

  /* A photo grows the card when it loads: lay the card out (and pan) again then. */
  function watchPhotos(app, box, i) {
    box.querySelectorAll("img.photo").forEach(function (img) {
      if (img.complete) return;
      img.addEventListener("load", function () {
        var popup = app.markers[i].getPopup();
        if (popup && popup.isOpen()) popup.update();
      }, { once: true });
    });
  }

  function buildCard(app, i) {
    var d = detailsOf(app, i);
    var box = el("div", { className: "tk-popup", "aria-busy": d ? null : "true" });
    box.appendChild(el("h2", { tabindex: "-1", lang: langOf(app, app.D.titleLang[i]) }, app.D.title[i]));
    cardBody(app, i, d, "loading").concat(extraParts(app, i)).forEach(function (node) { box.appendChild(node); });
    watchPhotos(app, box, i);
    app.card = { i: i, box: box, complete: !!d };
    return box;
  }

  /* Replace a card's body, keeping its heading (and the keyboard focus on it). */
  function refillCard(app, state) {
    var card = app.card, box = card.box, heading = box.firstChild;
    var hadFocus = document.activeElement === heading;
    var d = detailsOf(app, card.i);
    while (heading.nextSibling) box.removeChild(heading.nextSibling);
    cardBody(app, card.i, d, state).concat(extraParts(app, card.i)).forEach(function (node) { box.appendChild(node); });
    watchPhotos(app, box, card.i);
    if (d) box.removeAttribute("aria-busy");
    card.complete = !!d;
    var popup = app.markers[card.i].getPopup();
    if (popup && popup.isOpen()) {
      popup.update(); // lays the card out again (and puts it back in the popup)
      if (hadFocus) heading.focus();
    }
  }

  /* A card fits in the map below the notes at its top (status, offline banner): its
   * title and close button are never under them or off the screen. */
  function popupOptions(app) {
    var size = app.map.getSize(), top = topClearance(app);
    return {
      maxWidth: Math.min(300, size.x - 100),
      // the room between the notes and the map's foot, less the card's margins, its
      // tip and the marker below it: the marker must stay in view, or the cluster
      // group takes it (and its card) off the map
      maxHeight: Math.max(80, Math.min(Math.round(size.y * 0.7), size.y - top - 16 - 110)),
      // keep clear of the zoom control and of the notes at the top of the map
      autoPanPaddingTopLeft: [60, top + 16],
      autoPanPaddingBottomRight: [16, 16]
    };
  }

  /* Open stop i's card on its marker (which must be on the map). */
  function openCard(app, i, still) {
    var m = app.markers[i];
    if (!m.getPopup()) m.bindPopup(buildCard(app, i), popupOptions(app));
    else L.extend(m.getPopup().options, popupOptions(app));
    m.getPopup().options.autoPan = !still; // walk mode keeps the map on the walker
    m.openPopup();
  }

  function cardOpened(app, i) {
    var S = app.S;
    // the marker whose card was open before gives its popup up
    if (app.openMarker !== undefined && app.openMarker !== i) app.markers[app.openMarker].unbindPopup();
    app.openMarker = i;
    var slug = app.D.slug[i];
    if (history.replaceState && S.focus !== slug) {
      history.replaceState(null, "", permalinkHere(app, slug));
    }
    setCurrent(app, i);
    if (!app.card || app.card.i !== i || app.card.complete) return;
    detailChunk(app, i).then(function () {
      if (app.card && app.card.i === i) refillCard(app, "loaded");
    }, function () {
      if (app.card && app.card.i === i) refillCard(app, "failed");
    });
  }

  function cardClosed(app, i) {
    if (app.returnFocus && app.returnFocus.i === i) {
      var back = app.returnFocus;
      app.returnFocus = null;
      var active = document.activeElement;
      if (!active || active === document.body || app.map.getContainer().contains(active)) {
        var btn = app.listEl.querySelector('button.stop[data-id="' + app.D.id[i] + '"]');
        if (btn && back.fromList) btn.focus();
      }
    }
  }

  /* --- filters --- */

  function visible(app, i) {
    if (!app.kindOn[app.D.kind[i]]) return false;
    var f = app.state.festival, fest = app.D.festival[i];
    if (f === "-" && fest) return false;
    if (f && f !== "-" && (f.indexOf("edition:") === 0 ? app.D.edition[i] !== f.slice(8) : fest !== f)) {
      return false;
    }
    // plugins' tests (events.js: what stands now, or stood in a month)
    for (var k = 0; k < app.filters.length; k++) if (!app.filters[k](i)) return false;
    return true;
  }

  /* Markers and list of the works the filters let through; the count; the boxes.
   * With listLater the list waits for the next frame (the first load: markers first). */
  function applyFilters(app, listLater) {
    var n = app.D.id.length, shown = [];
    app.S.kinds.forEach(function (k) { app.kindOn[k.id] = app.map.hasLayer(app.kindLayers[k.id]); });
    for (var i = 0; i < n; i++) if (visible(app, i)) shown.push(i);
    app.shown = shown;
    app.cluster.clearLayers();
    app.cluster.addLayers(shown.map(function (k) { return app.markers[k]; }), true);
    document.getElementById("stop-count").textContent = String(shown.length);
    document.querySelectorAll('#filters input[name="kind"]').forEach(function (box) {
      box.checked = !!app.kindOn[box.value];
    });
    if (!listLater) renderList(app, { keepAnchor: true });
    if (app.state.walker) reportPosition(app);
  }

  function buildFilters(app) {
    var map = app.map;
    // the layer switch and the kind boxes turn the same layers on and off
    map.on("layeradd layerremove", function (e) {
      if (!app.D) return;
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
        if (app.D) applyFilters(app);
      }
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  }

  /* --- the stop list: one page of the shown stops, in the walking direction --- */

  /* The shown stops in the walking direction (indices into the table); stops at the
   * same chainage keep their order either way (as the server sorts them). */
  function ordered(app) {
    if (app.state.direction === "forward") return app.shown;
    if (!app.backward || app.backward.from !== app.shown) {
      var ch = app.D.chainage;
      app.backward = { from: app.shown, list: app.shown.slice().sort(function (a, b) { return ch[b] - ch[a]; }) };
    }
    return app.backward.list;
  }

  function stopItem(app, i) {
    var D = app.D, T = app.T, S = app.S;
    var kind = app.kinds[D.kind[i]];
    var meta = [fmt(T.listKm, { km: C.number(D.chainage[i] / 1000, 1, S.lang) }), kind ? kind.label : D.kind[i]];
    var festival = festivalText(app, i);
    if (festival) meta.push(festival);
    if (D.offset[i] > S.contract.listOffRouteM) {
      meta.push(fmt(T.listOffRiver, { dist: C.number(D.offset[i] / 1000, 1, S.lang) }));
    }
    var title = D.title[i];
    var li = el("li", {
      "data-id": D.id[i], "data-kind": D.kind[i], "data-festival": D.festival[i],
      "data-edition": D.edition[i], "data-chainage": D.chainage[i],
      "aria-current": app.current === i ? "true" : null
    },
      el("button", { type: "button", className: "stop", "data-id": D.id[i] },
        el("img", { src: kind ? kind.icon : "", alt: "", width: 20, height: 25 }),
        el("span", { className: "stop-title", lang: langOf(app, D.titleLang[i]) }, title),
        el("span", { className: "stop-meta" }, meta.join(" · "))),
      el("a", { className: "permalink", href: fmt(S.contract.urls.permalink, { slug: D.slug[i] }) },
        T.listLink, el("span", { className: "visually-hidden" }, ": " + title)));
    if (D.artists[i].length) li.appendChild(artistLine(app, i, "p", "stop-artists"));
    return li;
  }

  /* The list's current page. The keyboard focus stays on the stop it was on when that
   * stop is still listed; with keepAnchor, the page moves to where its first stop went. */
  function renderList(app, options) {
    options = options || {};
    var list = ordered(app), size = app.S.listPageSize;
    var pages = Math.max(1, Math.ceil(list.length / size));
    if (options.keepAnchor && app.anchor !== undefined) {
      var at = list.indexOf(app.anchor);
      app.state.page = at >= 0 ? Math.floor(at / size) : 0;
    }
    if (options.page !== undefined) app.state.page = options.page;
    app.state.page = Math.max(0, Math.min(pages - 1, app.state.page || 0));
    var first = app.state.page * size;
    var slice = list.slice(first, first + size);
    app.anchor = slice.length ? slice[0] : undefined;

    var active = document.activeElement, focusId = null, focusLink = false;
    if (active && app.listEl.contains(active) && active !== app.listEl) {
      var li = active.closest("li[data-id]");
      if (li) { focusId = li.getAttribute("data-id"); focusLink = active.matches("a"); }
    }
    var frag = document.createDocumentFragment();
    slice.forEach(function (i) { frag.appendChild(stopItem(app, i)); });
    app.listEl.replaceChildren(frag);
    app.listEl.start = first + 1;
    app.listEl.style.counterReset = "stop " + first;
    app.rangeEl.textContent = list.length
      ? fmt(app.T.listRange, {
        first: C.number(first + 1, 0, app.S.lang), last: C.number(first + slice.length, 0, app.S.lang),
        total: C.number(list.length, 0, app.S.lang)
      })
      : app.T.listNone;
    app.pager.hidden = pages < 2;
    app.prevBtn.setAttribute("aria-disabled", String(app.state.page === 0));
    app.nextBtn.setAttribute("aria-disabled", String(app.state.page >= pages - 1));
    if (focusId !== null) {
      var again = app.listEl.querySelector('li[data-id="' + focusId + '"] ' + (focusLink ? "a" : "button"));
      (again || app.listEl).focus();
    }
  }

  /* Mark the stop whose card is open, and show it in the list unless the list is in use. */
  function setCurrent(app, i) {
    app.current = i;
    var inList = app.listEl.contains(document.activeElement);
    var at = ordered(app).indexOf(i);
    var page = at >= 0 ? Math.floor(at / app.S.listPageSize) : app.state.page;
    if (!inList && page !== app.state.page) {
      renderList(app, { page: page });
      return;
    }
    app.listEl.querySelectorAll("li[aria-current]").forEach(function (li) { li.removeAttribute("aria-current"); });
    var li = app.listEl.querySelector('li[data-id="' + app.D.id[i] + '"]');
    if (li) li.setAttribute("aria-current", "true");
  }

  function setPanel(app, open) {
    app.panel.classList.toggle("open", open);
    app.toggle.setAttribute("aria-expanded", String(open));
    if (open && !isWide()) afterSheetMoves(app, function () { keepCardAbove(app); });
  }

  /* Once the sheet has finished opening (its height is animated), run fn, once. */
  function afterSheetMoves(app, fn) {
    var done = false, panel = app.panel;
    function once() {
      if (done) return;
      done = true;
      panel.removeEventListener("transitionend", once);
      fn();
    }
    panel.addEventListener("transitionend", once);
    window.setTimeout(once, 300); // no transition (reduced motion) or it did not fire
  }

  /* On a phone the opened sheet covers the map's lower part: move an open card above
   * it, or close the card when it cannot fit there. */
  function keepCardAbove(app) {
    var m = app.openMarker !== undefined ? app.markers[app.openMarker] : null;
    var popup = m && m.getPopup();
    if (!popup || !popup.isOpen()) return;
    var box = popup.getElement().getBoundingClientRect();
    var sheet = app.panel.getBoundingClientRect(), mapBox = app.map.getContainer().getBoundingClientRect();
    var top = mapBox.top + topClearance(app) + 8;
    if (box.bottom <= sheet.top) return;
    var room = sheet.top - top;
    if (box.height > room) {
      app.map.closePopup();
      return;
    }
    app.map.panBy([0, Math.round(box.bottom - sheet.top + 8)], { animate: false });
  }

  /* Show a work's marker and open its card; moveFocus puts the keyboard on its title;
   * then(popupElement) runs once it is open (walk mode plays the story in it). */
  function focusStop(app, i, moveFocus, fromList, then) {
    var m = app.markers[i];
    if (!m || !app.cluster.hasLayer(m)) return;
    if (!isWide()) setPanel(app, false);
    app.returnFocus = moveFocus ? { i: i, fromList: !!fromList } : null;
    app.cluster.zoomToShowLayer(m, function () {
      openCard(app, i, !!then);
      if (then) then(m.getPopup() && m.getPopup().getElement());
      if (moveFocus) {
        var heading = m.getPopup().getElement().querySelector("h2");
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
        if (app.D) renderList(app, { keepAnchor: true });
        if (app.state.walker) reportPosition(app);
      });
    });
    app.toggle.addEventListener("click", function () {
      setPanel(app, !app.panel.classList.contains("open"));
    });
    app.listEl.addEventListener("click", function (e) {
      var btn = e.target.closest("button.stop");
      if (btn) focusStop(app, app.byId[btn.getAttribute("data-id")], e.detail === 0, true);
    });
    function turn(step) {
      return function () {
        var btn = step < 0 ? app.prevBtn : app.nextBtn;
        if (!app.D || btn.getAttribute("aria-disabled") === "true") return;
        renderList(app, { page: app.state.page + step });
      };
    }
    app.prevBtn.addEventListener("click", turn(-1));
    app.nextBtn.addEventListener("click", turn(1));
  }

  /* --- locate me --- */

  /* The shown stop ahead of chainage `here` (beyond the contract's "passed" margin)
   * that is the shortest walk: along the river, then off it to the work (as the
   * server's mapapp.geo.next_stop). */
  function nextAhead(app, here) {
    var best = null, D = app.D, forward = app.state.direction === "forward";
    app.shown.forEach(function (i) {
      var ahead = forward ? D.chainage[i] - here : here - D.chainage[i];
      if (ahead <= app.S.contract.passedWithinM) return;
      var walk = ahead + D.offset[i];
      if (!best || walk < best.walk) best = { i: i, ahead: ahead, off: D.offset[i], walk: walk };
    });
    return best;
  }

  function nearestTo(app, lat, lon) {
    var best = null, D = app.D;
    app.shown.forEach(function (i) {
      var d = C.haversine(lat, lon, D.lat[i], D.lon[i]);
      if (!best || d < best.dist) best = { i: i, dist: d };
    });
    return best;
  }

  function reportPosition(app) {
    var S = app.S, T = app.T, D = app.D, contract = S.contract;
    var w = app.state.walker;
    if (!app.locate || !D) return;
    var place = app.locate(w.lon, w.lat);
    var heading = T[S.headings[app.state.direction]] || S.headings[app.state.direction];
    var lines = [];
    var lang = S.lang;
    if (place.offset > contract.farFromRouteM) {
      lines.push(fmt(T.farFromRoute, { dist: C.distanceText(place.offset, T, lang) }));
    }
    var next = nextAhead(app, place.chainage);
    if (next) {
      // the whole walk: to the river (when away from it), along it, then off it to the work
      var minutes = Math.max(1, Math.round(C.walkingMinutes(place.offset + next.walk, contract)));
      var off = next.off > contract.popupOffRouteM;
      lines.push(fmt(off ? T.nextAheadOff : T.nextAhead, {
        dir: heading, title: D.title[next.i], dist: C.distanceText(next.ahead, T, lang),
        off: C.distanceText(next.off, T, lang), min: C.number(minutes, 0, lang)
      }));
    } else {
      lines.push(fmt(T.noneAhead, { dir: heading }));
    }
    var near = nearestTo(app, w.lat, w.lon);
    if (near) lines.push(fmt(T.nearest, { title: D.title[near.i], dist: C.distanceText(near.dist, T, lang) }));
    if (!app.state.statusDismissed) say(app, lines.join("\n"));
    app.statusEl.setAttribute("data-next-id", next ? String(D.id[next.i]) : "");
    app.statusEl.setAttribute("data-nearest-id", near ? String(D.id[near.i]) : "");
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

  /* The walker is here: the dot, the map on it, and the status line. */
  function placeWalker(app, e) {
    app.state.walker = { lat: e.latlng.lat, lon: e.latlng.lng };
    showWalker(app, e);
    app.map.setView(e.latlng, Math.max(app.map.getZoom(), 16));
    app.ready.then(function () { reportPosition(app); });
  }

  /* Without a position (refused, unavailable, too slow), the walker may tap the map
   * where they are instead; the reason is said in the page's language, never in the
   * browser's English. */
  function offerPicking(app, code) {
    var T = app.T, map = app.map;
    var reason = code === 1 ? T.locateDenied : code === 3 ? T.locateTimeout : T.locateUnavailable;
    say(app, reason + "\n" + T.pickPlace);
    map.getContainer().classList.add("picking");
    if (app.picking) return;
    app.picking = function (e) {
      map.getContainer().classList.remove("picking");
      map.off("click", app.picking);
      app.picking = null;
      placeWalker(app, { latlng: e.latlng, accuracy: 0 });
    };
    map.on("click", app.picking);
  }

  function locateMe(app) {
    var map = app.map, T = app.T;
    app.walkerLayer = L.layerGroup().addTo(map);
    document.getElementById("locate").addEventListener("click", function () {
      app.state.statusDismissed = false;
      say(app, T.locating);
      // a fresh fix each time: a walker moves, a cached one is where they were
      map.locate({ setView: false, enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
    });
    map.on("locationfound", function (e) {
      if (app.picking) {
        map.off("click", app.picking);
        app.picking = null;
        map.getContainer().classList.remove("picking");
      }
      placeWalker(app, e);
    });
    map.on("locationerror", function (e) { offerPicking(app, e.code); });
    var close = document.getElementById("status-close");
    if (close) {
      close.addEventListener("click", function () {
        app.state.statusDismissed = true;
        say(app, "");
      });
    }
  }

  /* Offline the map zooms no further than the saved tiles go (Leaflet would zoom a
   * cluster of works at one spot to the tile server's 19, into grey). */
  function capZoomOffline(app) {
    var saved = app.S.offlineMaxZoom, full = app.map.getMaxZoom();
    if (!saved) return;
    function apply() {
      var offline = navigator.onLine === false, max = offline ? Math.min(saved, full) : full;
      if (max === app.map.getMaxZoom()) return;
      app.map.setMaxZoom(max);
      if (app.map.getZoom() > max) app.map.setZoom(max, { animate: false });
      // the cluster group reads the map's largest zoom when it clusters: again, then
      if (app.D) applyFilters(app);
    }
    window.addEventListener("online", apply);
    window.addEventListener("offline", apply);
    apply();
  }

  /* Offline, a language that was not kept opens the kept one: say so (in the language
   * asked for) rather than show another language as if it were the one asked. */
  function noteMissingLanguage(app) {
    var asked = new URLSearchParams(location.search).get("lang");
    var notes = app.S.languageMissing || {};
    if (!asked || asked === app.S.lang || !notes[asked]) return;
    app.statusEl.setAttribute("lang", asked);
    say(app, notes[asked]);
    app.statusEl.setAttribute("data-language-missing", asked);
  }

  /* The map's controls come before its markers for the keyboard (Leaflet puts them
   * after the panes); the route's lines are pictures, not stops for the keyboard. */
  function keyboardOrder(app) {
    var box = app.map.getContainer(), controls = box.querySelector(".leaflet-control-container");
    if (controls && controls !== box.firstChild) box.insertBefore(controls, box.firstChild);
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
  function creditRoute(app, props) {
    if (!props.attribution || !app.map.attributionControl) return;
    var credit = C.safeHttpUrl(props.attribution_url)
      ? el("a", { href: props.attribution_url }, props.attribution)
      : el("span", {}, props.attribution);
    app.map.attributionControl.addAttribution(credit.outerHTML);
  }

  function fitRoute(app) {
    // room at the top for the marker pins above the northernmost point
    app.map.fitBounds(L.latLngBounds(app.S.bounds), {
      paddingTopLeft: [24, 48], paddingBottomRight: [24, 24], animate: false
    });
  }

  function openFocused(app) {
    var i = app.S.focus ? app.bySlug[app.S.focus] : undefined;
    if (i === undefined) return;
    var title = app.D.title[i];
    if (document.title.indexOf(title) !== 0) document.title = title + " · " + document.title;
    focusStop(app, i, false);
  }

  /* The stops are in: markers, list, then (once clustered) the page is usable. */
  function stopsArrived(app, table) {
    app.D = table;
    mark("data");
    buildMarkers(app);
    return new Promise(function (resolve) {
      app.onClustered.push(function () {
        mark("all-drawn");
        // the list once the markers are painted
        requestAnimationFrame(function () {
          renderList(app, { keepAnchor: true });
          resolve();
        });
      });
      applyFilters(app, true);
    });
  }

  /* Photos of every stop, as URLs (offline.js keeps them). */
  function photoUrls(app) {
    var out = [];
    if (!app.D) return out;
    var names = app.D.photo.slice();
    Object.keys(app.details).forEach(function (c) {  // the galleries of the chunks in
      (app.details[c].table.photos || []).forEach(function (photos) {
        (photos || []).forEach(function (p) { names.push(p.name); });
      });
    });
    names.forEach(function (name) {
      if (name) out.push(new URL(fmt(app.S.contract.urls.photoUrl, { name: name }), location.href).href);
    });
    return out;
  }

  /* "Suggest a work here" carries the map's centre to the form. */
  function suggestHere(map) {
    var link = document.getElementById("suggest-link");
    if (!link) return;
    var base = link.getAttribute("href").split("?")[0];
    var lang = document.documentElement.lang;
    map.on("moveend", function () {
      var c = map.getCenter();
      link.href = base + "?lat=" + c.lat.toFixed(6) + "&lon=" + c.lng.toFixed(6) + "&lang=" + lang;
    });
  }

  function mount(map, settingsId) {
    var S = readSettings(settingsId);
    C.setNumberSymbols(S.lang, S.numbers);
    var app = {
      map: map,
      S: S,
      T: S.strings,
      D: null,
      kinds: {},
      kindOn: {},
      chunks: {},
      details: {},
      shown: [],
      onClustered: [],
      locate: null,
      state: { direction: S.direction === "backward" ? "backward" : "forward", festival: "", walker: null, page: 0 },
      statusEl: document.getElementById("status"),
      statusBox: document.getElementById("status-box"),
      pluralRules: window.Intl && Intl.PluralRules ? new Intl.PluralRules(S.lang) : null,
      listEl: document.getElementById("stops"),
      rangeEl: document.getElementById("stops-range"),
      pager: document.getElementById("stops-pager"),
      prevBtn: document.getElementById("stops-prev"),
      nextBtn: document.getElementById("stops-next"),
      panel: document.getElementById("panel"),
      toggle: document.getElementById("panel-toggle"),
      filters: [],    // plugins' tests stop i must pass to be shown: test(i) (events.js: time)
      popupParts: []  // plugins' additions to a card: part(nodes, i, details or null)
    };
    // plugins' own popups (events.js) fit below the map's notes as cards do
    app.popupOptions = function () { return popupOptions(app); };
    S.kinds.forEach(function (k) { app.kinds[k.id] = k; });
    // a small walk comes in the page itself; a large one is fetched (preloaded)
    var urls = S.contract.urls, inline = S.inline || {};
    var route = inline.route ? Promise.resolve(inline.route) : getJson(urls.route);
    var stops = inline.stops ? Promise.resolve(inline.stops) : getJson(urls.stops);

    window.Terrenkur.map = map;
    fitRoute(app);
    buildCluster(app);
    watchFirstMarker(app);
    window.Terrenkur.cluster = app.cluster;
    buildLayers(app);
    buildLegend(app);
    buildFilters(app);
    buildStopList(app);
    locateMe(app);
    watchTiles(map);
    // plugins (window.TerrenkurPlugins, e.g. events.js) add filters, popup parts, layers
    (window.TerrenkurPlugins || []).forEach(function (plugin) {
      plugin(app, function () { if (app.D) applyFilters(app); });
    });
    suggestHere(map);
    capZoomOffline(app);
    keyboardOrder(app);
    noteMissingLanguage(app);
    map.invalidateSize();

    app.ready = Promise.all([
      route.then(function (doc) { drawRoute(app, doc); }),
      stops.then(function (table) { return stopsArrived(app, table); })
    ]).then(function () {
      openFocused(app);
      map.getContainer().setAttribute("data-ready", "true");
      mark("usable");
    }, function (error) {
      say(app, S.strings.dataFailed);
      map.getContainer().setAttribute("data-error", String(error && error.message || error));
      return Promise.reject(error);
    });
    app.ready.catch(function () { /* said in the status line */ });
    window.Terrenkur.ready = app.ready;
    window.Terrenkur.photoUrls = function () { return photoUrls(app); };
    // every detail chunk in (their galleries' photos are then in photoUrls()), for offline
    window.Terrenkur.allDetails = function () {
      return app.ready.then(function () {
        var all = [];
        for (var i = 0; i < app.D.id.length; i += app.D.chunk) {
          all.push(detailChunk(app, i).catch(function () { /* kept without that gallery */ }));
        }
        return Promise.all(all);
      });
    };
    // walk mode opens a work's card (by id) when the walker reaches it
    window.Terrenkur.openStop = function (id, then) {
      app.ready.then(function () {
        if (app.byId[id] !== undefined) focusStop(app, app.byId[id], false, false, then);
      });
    };
    var api = {
      map: map, S: S, ready: app.ready,
      /* Open work `id`'s card (moveFocus: the keyboard on its title). */
      openWork: function (id, moveFocus) {
        var i = app.D ? app.byId[id] : undefined;
        if (i !== undefined) focusStop(app, i, !!moveFocus);
      },
      /* A work's title and its place, by id (null before the data is in). */
      work: function (id) {
        var i = app.D ? app.byId[id] : undefined;
        if (i === undefined) return null;
        var kind = app.kinds[app.D.kind[i]];
        return {
          id: id, slug: app.D.slug[i], title: app.D.title[i],
          meta: [fmt(app.T.listKm, { km: C.number(app.D.chainage[i] / 1000, 1, S.lang) }), kind ? kind.label : ""]
            .filter(Boolean).join(" · ")
        };
      }
    };
    window.Terrenkur.openWork = api.openWork;
    window.Terrenkur.work = api.work;
    /* Whether the map shows work `id` now: its filters and the plugins' (events.js:
     * standing now, or in the slider's month); walk mode nudges only for these. */
    window.Terrenkur.shown = function (id) {
      var i = app.D ? app.byId[id] : undefined;
      return i === undefined ? !app.D : visible(app, i);
    };
    (window.Terrenkur.onMount || []).forEach(function (fn) {
      try { fn(api); } catch (e) { /* an add-on that fails leaves the map working */ }
    });
  }

  // cardParts: functions(card info) -> node, added at the end of each card (share.js);
  // onMount: functions(api) called once the map is mounted (search.js, tours.js).
  window.Terrenkur = { mount: mount, cardParts: [], onMount: [] };
})();
