/*
 * Cultural Terrenkur planner: coverage layers on top of the folium-built map.
 *
 * Reads one settings blob (the coverage report as GeoJSON, the works, the
 * strings) and draws the route coloured by the number of works within the
 * walking radius of each segment, the gaps with their labels, the works with
 * their radius circles, the works left out as too far, the suggested sites, plus
 * a legend. On the planner page it also keeps a scenario: proposed sites added by
 * clicking and moved by dragging, compared with today by the server
 * (/api/scenario) as they change; and a year slider that shows the stretches
 * covered in each year. Text is only ever set with textContent; styles only
 * through Leaflet options or the CSSOM. Needs common.js.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var fmt = C.fmt;
  var el = C.el;
  var PROPOSAL_COLOUR = "#6a1b9a";
  var REFRESH_DELAY_MS = 350;

  function km(metres) {
    return (metres / 1000).toFixed(2);
  }

  function lengthText(metres, S) {
    if (metres < 1000) return fmt(S.m, { n: Math.round(metres) });
    return fmt(S.km, { n: (metres / 1000).toFixed(2) });
  }

  function colourFor(count, colours) {
    return colours[Math.min(count, colours.length - 1)];
  }

  function legend(settings) {
    var S = settings.strings;
    var r = settings.radius_m;
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      var box = el("details", { className: "tk-legend tk-planner-legend" });
      if (window.matchMedia("(min-width: 600px)").matches) box.open = true;
      box.appendChild(el("summary", null, S.legend));
      var list = el("ul");
      var rows = [
        ["line dashed", settings.colours[0], fmt(S.none, { r: r })],
        ["line", settings.colours[1], fmt(S.one, { r: r })],
        ["line", settings.colours[2], S.two],
        ["line", settings.colours[3], S.many],
        ["gap", settings.colours[0], fmt(S.gaps, { g: lengthText(settings.gap_m, S) })],
        ["work", settings.colours[3], fmt(S.works, { r: r })],
        ["site", null, S.sites],
      ];
      if ((settings.excluded || []).length) rows.push(["excluded", null, S.excluded]);
      if (settings.proposals) {
        rows.push(["proposal", null, S.proposal]);
        rows.push(["newly", null, S.newly]);
      }
      rows.forEach(function (row) {
        var item = el("li");
        var swatch = el("span", { className: "tk-swatch tk-swatch-" + row[0].replace(" ", " tk-swatch-") });
        if (row[1]) swatch.style.setProperty("--swatch", row[1]);
        item.appendChild(swatch);
        item.appendChild(el("span", null, row[2]));
        list.appendChild(item);
      });
      box.appendChild(list);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return control;
  }

  function drawSegments(map, settings, S) {
    var colours = settings.colours;
    var r = settings.radius_m;
    var gaps = L.geoJSON(settings.gaps, {
      interactive: false,
      style: function () {
        return {
          color: colours[0], weight: 18, opacity: 0.22, lineCap: "butt",
          className: "tk-gap",
        };
      },
    });
    var segments = L.geoJSON(settings.segments, {
      style: function (feature) {
        var n = feature.properties.works;
        return {
          color: colourFor(n, colours),
          weight: n === 0 ? 5 : 7,
          opacity: 0.95,
          dashArray: n === 0 ? "8 7" : null,
          lineCap: n === 0 ? "butt" : "round",
          className: "tk-seg tk-seg-" + Math.min(n, 3),
        };
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        var pct = p.length_m > 0 ? Math.round((100 * p.covered_m) / p.length_m) : 0;
        layer.bindTooltip(
          el("span", null, fmt(S.segment, {
            start: km(p.start_m), end: km(p.end_m), n: p.works, r: r, pct: pct,
          })),
          { sticky: true }
        );
      },
    });
    // fit before drawing, without animation: an animated zoom would leave the new
    // layers clipped to the old view until it ends
    if (segments.getLayers().length) {
      map.fitBounds(segments.getBounds(), { padding: [16, 16], animate: false });
    }
    var casing = L.geoJSON(settings.segments, {
      interactive: false,
      style: function () {
        return { color: "#ffffff", weight: 11, opacity: 0.9, className: "tk-casing" };
      },
    });
    gaps.addTo(map);
    casing.addTo(map);
    segments.addTo(map);
    return { gaps: gaps, casing: casing, segments: segments };
  }

  function drawWorks(settings, S, canvas, many) {
    var colours = settings.colours;
    var r = settings.radius_m;
    var works = L.layerGroup();
    settings.works.forEach(function (w) {
      var at = [w[1], w[0]];
      L.circle(at, {
        radius: r, color: colours[3], weight: 1, opacity: many ? 0.2 : 0.5,
        fillOpacity: many ? 0.02 : 0.07, interactive: false, className: "tk-radius",
        pane: "tkWorks", renderer: canvas,
      }).addTo(works);
      L.circleMarker(at, {
        radius: many ? 3 : 5, color: "#ffffff", weight: many ? 1 : 2, fillColor: colours[3],
        fillOpacity: 1, className: "tk-work", pane: "tkWorks", renderer: canvas,
      })
        .bindTooltip(el("span", null, fmt(S.work, { title: w[2], km: km(w[3]) })))
        .addTo(works);
    });
    return works;
  }

  function drawExcluded(settings, S) {
    var layer = L.layerGroup();
    (settings.excluded || []).forEach(function (w) {
      L.circleMarker([w[1], w[0]], {
        radius: 6, color: "#6b7785", weight: 2, dashArray: "3 3", fill: true,
        fillColor: "#ffffff", fillOpacity: 0.6, className: "tk-excluded", pane: "tkWorks",
      })
        .bindTooltip(el("span", null, fmt(S.excludedTip, { title: w[2], why: w[3] })))
        .addTo(layer);
    });
    return layer;
  }

  function drawGapLabels(settings, S) {
    var r = settings.radius_m;
    var labels = L.layerGroup();
    settings.gaps.features.forEach(function (feature) {
      var p = feature.properties;
      var text = fmt(S.gap, { rank: p.rank, len: lengthText(p.length_m, S) });
      var label = el("span", { className: "tk-gap-text" }, text);
      L.marker([p.label_at[1], p.label_at[0]], {
        icon: L.divIcon({ className: "tk-gap-label", html: label, iconSize: null }),
        keyboard: false,
        title: fmt(S.gapTip, {
          rank: p.rank, start: km(p.start_m), end: km(p.end_m),
          len: lengthText(p.length_m, S), r: r,
        }),
      }).addTo(labels);
    });
    return labels;
  }

  function drawSuggestions(settings, S) {
    var sites = L.layerGroup();
    settings.sites.features.forEach(function (feature) {
      var p = feature.properties;
      var c = feature.geometry.coordinates;
      var tip = fmt(S.site, { rank: p.rank, km: km(p.chainage_m), gain: lengthText(p.gain_m, S) });
      L.marker([c[1], c[0]], {
        icon: L.divIcon({
          className: "tk-site", html: el("span", null, String(p.rank)), iconSize: [28, 28],
        }),
        title: tip,
        zIndexOffset: 1000,
      })
        .bindTooltip(el("span", null, tip))
        .addTo(sites);
    });
    return sites;
  }

  /* The scenario: proposed sites on the map, kept in the form and the URL. */
  function scenario(map, settings, S) {
    var urls = (settings.contract && settings.contract.urls) || {};
    var state = {
      sites: (settings.proposals || []).map(function (p) { return [p[0], p[1]]; }),
      adding: false,
      request: 0,
      timer: null,
    };
    var layer = L.layerGroup().addTo(map);
    var newly = L.layerGroup().addTo(map);
    var interactive = Boolean(urls.scenario && document.getElementById("planner-form"));

    function drawNewly(lines) {
      newly.clearLayers();
      (lines || []).forEach(function (coords) {
        L.polyline(coords.map(function (c) { return [c[1], c[0]]; }), {
          color: PROPOSAL_COLOUR, weight: 16, opacity: 0.3, lineCap: "butt",
          interactive: false, className: "tk-newly",
        }).addTo(newly);
      });
    }

    function draw() {
      layer.clearLayers();
      state.sites.forEach(function (site, i) {
        var at = [site[1], site[0]];
        var circle = L.circle(at, {
          radius: settings.radius_m, color: PROPOSAL_COLOUR, weight: 2, dashArray: "6 5",
          fillOpacity: 0.06, interactive: false, className: "tk-proposal-radius",
        }).addTo(layer);
        var marker = L.marker(at, {
          icon: L.divIcon({
            className: "tk-proposal", html: el("span", null, "P" + (i + 1)), iconSize: [34, 34],
          }),
          title: fmt(S.proposalTip, { n: i + 1 }),
          draggable: interactive,
          autoPan: true,
          zIndexOffset: 1500,
        }).addTo(layer);
        if (!interactive) return;
        marker.on("drag", function (e) { circle.setLatLng(e.target.getLatLng()); });
        marker.on("dragend", function (e) {
          var p = e.target.getLatLng();
          state.sites[i] = [p.lng, p.lat];
          changed();
        });
        marker.bindPopup(function () {
          var button = el("button", { type: "button", className: "tk-remove-site" },
            fmt(S.removeSite, { n: i + 1 }));
          button.addEventListener("click", function () {
            map.closePopup();
            state.sites.splice(i, 1);
            draw();
            changed();
          });
          return button;
        });
      });
    }

    function sitesText(separator) {
      return state.sites.map(function (s) {
        return s[1].toFixed(6) + (separator === ";" ? "," : ", ") + s[0].toFixed(6);
      }).join(separator);
    }

    function query(extra) {
      var args = new URLSearchParams();
      var q = settings.query || {};
      Object.keys(q).forEach(function (key) {
        [].concat(q[key]).forEach(function (v) { args.append(key, v); });
      });
      if (state.sites.length) args.set("sites", sitesText(";"));
      if (settings.lang && settings.lang !== "en") args.set("lang", settings.lang);
      Object.keys(extra || {}).forEach(function (key) { args.set(key, extra[key]); });
      return args;
    }

    function byId(id) { return document.getElementById(id); }

    function setText(id, text) {
      var node = byId(id);
      if (node) node.textContent = text;
    }

    function show(doc) {
      var display = doc ? doc.display : null;
      (display ? display.rows : []).forEach(function (row) {
        setText("cmp-" + row.metric + "-scenario", row.scenario);
        setText("cmp-" + row.metric + "-change", row.change);
      });
      if (!display) {
        document.querySelectorAll("#comparison td[id$='-scenario'], #comparison td[id$='-change']")
          .forEach(function (cell) { cell.textContent = "—"; });
      }
      setText("cmp-summary", display ? display.summary : S.noSites);
      setText("cmp-range", display ? display.range : "");
      var body = document.querySelector("#cmp-sites tbody");
      if (body) {
        body.textContent = "";
        (display ? display.sites : []).forEach(function (s) {
          var where = el("td", null, el("span", { className: "where" }, s.where), " ",
            el("span", { className: "coords" }, s.offset + " · " + s.coords));
          body.appendChild(el("tr", null, el("td", null, "P" + s.number), where,
            el("td", { className: "num" }, s.alone), el("td", { className: "num" }, s.unique)));
        });
      }
      ["cmp-sites-wrap", "scenario-downloads"].forEach(function (id) {
        var node = byId(id);
        if (node) node.hidden = !state.sites.length;
      });
      drawNewly(doc ? doc.newly_covered_lines : []);
    }

    function updateLinks() {
      var args = query();
      args.delete("scenario");
      var link = byId("scenario-link");
      if (link) link.href = new URL(urls.page + "?" + args, window.location.href).href;
      var pairs = { "scenario-geojson": "geojson", "scenario-csv": "csv" };
      Object.keys(pairs).forEach(function (id) {
        var a = byId(id);
        if (a) a.href = urls.scenario + "?" + query({ format: pairs[id] });
      });
      var report = byId("report-link");
      if (report && urls.report) report.href = urls.report + "?" + query();
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", urls.page + "?" + query());
      }
    }

    function refresh() {
      var ticket = ++state.request;
      if (!state.sites.length) {
        show(null);
        return;
      }
      setText("cmp-summary", S.updating);
      fetch(urls.scenario + "?" + query({ format: "json" }), {
        headers: { Accept: "application/json" },
      })
        .then(function (resp) {
          if (!resp.ok) throw new Error("HTTP " + resp.status);
          return resp.json();
        })
        .then(function (doc) {
          if (ticket === state.request) show(doc);
        })
        .catch(function () {
          if (ticket === state.request) setText("cmp-summary", S.failed);
        });
    }

    function changed() {
      document.querySelectorAll(".js-sites").forEach(function (field) {
        field.value = sitesText("\n");
      });
      updateLinks();
      window.clearTimeout(state.timer);
      state.timer = window.setTimeout(refresh, REFRESH_DELAY_MS);
    }

    function addControl() {
      var control = L.control({ position: "topleft" });
      control.onAdd = function () {
        var box = el("div", { className: "leaflet-bar tk-add-site" });
        var button = el("button", {
          type: "button", "aria-pressed": "false", title: S.addSiteHelp,
        }, S.addSite);
        var note = el("span", { className: "visually-hidden", role: "status" });
        button.addEventListener("click", function () {
          state.adding = !state.adding;
          button.setAttribute("aria-pressed", String(state.adding));
          map.getContainer().classList.toggle("tk-adding", state.adding);
          note.textContent = state.adding ? S.addSiteOn : "";
        });
        box.appendChild(button);
        box.appendChild(note);
        L.DomEvent.disableClickPropagation(box);
        return box;
      };
      control.addTo(map);
      map.on("click", function (e) {
        if (!state.adding || state.sites.length >= (settings.maxSites || 50)) return;
        state.sites.push([e.latlng.lng, e.latlng.lat]);
        draw();
        changed();
      });
    }

    draw();
    drawNewly(settings.newly || []);
    if (interactive) addControl();
    return { layer: layer, newly: newly, state: state, refresh: refresh };
  }

  /* The year slider: the stretches covered and the works standing in a chosen year. */
  function yearSlider(map, settings, S, normal) {
    var t = settings.timeline;
    if (!t || !t.years || !t.years.length) return null;
    var first = t.years[0];
    var last = t.years[t.years.length - 1];
    var yearLayer = L.layerGroup();
    var control = L.control({ position: "bottomleft" });
    var input;
    var output;

    function partsFor(year) {
      for (var y = year; y >= first; y--) {
        if (Object.prototype.hasOwnProperty.call(t.parts, String(y))) return t.parts[String(y)];
      }
      return [];
    }

    function showYear() {
      var year = Number(input.value);
      var now = year > last;
      var text;
      yearLayer.clearLayers();
      if (now) {
        text = S.yearNow;
        if (map.hasLayer(yearLayer)) map.removeLayer(yearLayer);
        normal.forEach(function (l) { if (!map.hasLayer(l)) l.addTo(map); });
      } else {
        var i = year - first;
        text = fmt(S.yearText, { year: year, n: t.standing[i], share: t.shares[i].toFixed(1) });
        normal.forEach(function (l) { if (map.hasLayer(l)) map.removeLayer(l); });
        L.geoJSON(settings.segments, {
          interactive: false,
          style: function () {
            return { color: "#6b7785", weight: 4, opacity: 0.8, dashArray: "6 6", className: "tk-year-route" };
          },
        }).addTo(yearLayer);
        partsFor(year).forEach(function (coords) {
          L.polyline(coords.map(function (c) { return [c[1], c[0]]; }), {
            color: settings.colours[3], weight: 8, opacity: 0.9, className: "tk-year-covered",
            interactive: false,
          }).addTo(yearLayer);
        });
        settings.works.forEach(function (w) {
          if (w[4] === null || w[4] === undefined || w[4] > year) return;
          if (w[5] !== null && w[5] !== undefined && w[5] < year) return;
          L.circleMarker([w[1], w[0]], {
            radius: 5, color: "#ffffff", weight: 2, fillColor: settings.colours[3],
            fillOpacity: 1, className: "tk-year-work", pane: "tkWorks",
          }).bindTooltip(el("span", null, fmt(S.work, { title: w[2], km: km(w[3]) })))
            .addTo(yearLayer);
        });
        yearLayer.addTo(map);
      }
      output.textContent = text;
      input.setAttribute("aria-valuetext", now ? S.yearNow : text);
    }

    control.onAdd = function () {
      var box = el("div", { className: "tk-year" });
      var label = el("label", { for: "tk-year-input" }, S.year);
      input = el("input", {
        type: "range", id: "tk-year-input", min: String(first), max: String(last + 1),
        step: "1", value: String(last + 1),
      });
      output = el("output", { for: "tk-year-input", id: "tk-year-text" });
      input.addEventListener("input", showYear);
      box.appendChild(label);
      box.appendChild(input);
      box.appendChild(output);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
    showYear();
    return { layer: yearLayer, input: input, show: showYear };
  }

  function mount(map, ref) {
    var settings = C.readSettings(ref);
    var S = settings.strings;
    var many = settings.works.length > 300;
    // works and their circles sit below the coloured route, however many there are
    map.createPane("tkWorks").style.zIndex = 390;
    var canvas = many ? L.canvas({ padding: 0.5, pane: "tkWorks" }) : undefined;

    var drawn = drawSegments(map, settings, S);
    var works = drawWorks(settings, S, canvas, many).addTo(map);
    var excluded = drawExcluded(settings, S).addTo(map);
    var labels = drawGapLabels(settings, S).addTo(map);
    var sites = drawSuggestions(settings, S).addTo(map);
    var plan = scenario(map, settings, S);

    var overlays = {};
    overlays[S.layerWorks] = works;
    if ((settings.excluded || []).length) overlays[S.layerExcluded] = excluded;
    overlays[S.layerGaps] = labels;
    overlays[S.layerSites] = sites;
    if (settings.proposals) overlays[S.layerProposals] = plan.layer;
    L.control.layers(null, overlays, { position: "topleft" }).addTo(map);
    legend(settings).addTo(map);
    var years = yearSlider(map, settings, S, [drawn.segments, drawn.gaps, works, labels]);
    map.getContainer().setAttribute("data-ready", "");
    window.TerrenkurPlanner.map = map;
    window.TerrenkurPlanner.layers = {
      segments: drawn.segments, gaps: drawn.gaps, labels: labels, works: works, sites: sites,
      excluded: excluded, proposals: plan.layer, newly: plan.newly,
      year: years ? years.layer : null,
    };
    window.TerrenkurPlanner.scenario = plan;
  }

  window.TerrenkurPlanner = { mount: mount };
})();
