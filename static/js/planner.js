/*
 * Cultural Terrenkur planner: coverage layers on top of the folium-built map.
 *
 * Reads one settings blob (the coverage report as GeoJSON, the works, the
 * strings) and draws the route coloured by the number of works within the
 * walking radius of each segment, the gaps with their labels, the works with
 * their radius circles and the suggested sites, plus a legend. Text is only ever
 * set with textContent; styles only through Leaflet options or the CSSOM.
 * Needs common.js.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var fmt = C.fmt;
  var el = C.el;

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

  function mount(map, ref) {
    var settings = C.readSettings(ref);
    var S = settings.strings;
    var r = settings.radius_m;
    var colours = settings.colours;
    var many = settings.works.length > 300;
    // works and their circles sit below the coloured route, however many there are
    map.createPane("tkWorks").style.zIndex = 390;
    var canvas = many ? L.canvas({ padding: 0.5, pane: "tkWorks" }) : undefined;

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
    works.addTo(map);

    var labels = L.layerGroup();
    settings.gaps.features.forEach(function (feature) {
      var p = feature.properties;
      var text = fmt(S.gap, { rank: p.rank, len: lengthText(p.length_m, S) });
      var label = el("span", { className: "tk-gap-text" }, text);
      var marker = L.marker([p.label_at[1], p.label_at[0]], {
        icon: L.divIcon({ className: "tk-gap-label", html: label, iconSize: null }),
        keyboard: false,
        title: fmt(S.gapTip, {
          rank: p.rank, start: km(p.start_m), end: km(p.end_m),
          len: lengthText(p.length_m, S), r: r,
        }),
      });
      marker.addTo(labels);
    });
    labels.addTo(map);

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
    sites.addTo(map);

    var overlays = {};
    overlays[S.layerWorks] = works;
    overlays[S.layerGaps] = labels;
    overlays[S.layerSites] = sites;
    L.control.layers(null, overlays, { position: "topleft" }).addTo(map);
    legend(settings).addTo(map);
    map.getContainer().setAttribute("data-ready", "");
    window.TerrenkurPlanner.map = map;
    window.TerrenkurPlanner.layers = {
      segments: segments, gaps: gaps, labels: labels, works: works, sites: sites,
    };
  }

  window.TerrenkurPlanner = { mount: mount };
})();
