/*
 * Cultural Terrenkur: the home page's overview map, as one global, TerrenkurHome.
 * Draws each route's line and a marker at its start whose popup links to the
 * route's walk, from the page's settings blob (mapapp/views/routes.py). Names are
 * set as text (C.el), never parsed as HTML. The map has drawn when the container
 * carries data-ready.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;

  function mount(map, settingsId) {
    var S = C.readSettings(settingsId);
    var bounds = null;
    S.routes.forEach(function (r) {
      var latlngs = r.coordinates.map(function (c) { return [c[1], c[0]]; });
      S.styles.forEach(function (style, i) {
        var line = L.polyline(latlngs, Object.assign({ interactive: i === S.styles.length - 1 }, style));
        line.addTo(map);
        if (i === S.styles.length - 1) line.bindTooltip(C.el("span", {}, r.name));
      });
      var card = C.el("p", { "class": "overview-card" },
        C.el("a", { href: r.url }, r.name), C.el("br"), r.city);
      L.circleMarker(latlngs[0], { radius: 9, color: "#0b5cad", fillOpacity: 1, weight: 3 })
        .bindPopup(card)
        .addTo(map);
      var b = L.latLngBounds(latlngs);
      bounds = bounds ? bounds.extend(b) : b;
    });
    if (bounds) map.fitBounds(bounds, { padding: [24, 24], animate: false, maxZoom: 14 });
    map.getContainer().setAttribute("data-ready", "true");
  }

  window.TerrenkurHome = { mount: mount };
})();
