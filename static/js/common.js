/*
 * Cultural Terrenkur: the helpers every page script shares, as one global,
 * TerrenkurCommon. Loaded before terrenkur.js, planner.js, curator.js and offline.js.
 *
 * The walking speed, the distance thresholds and the projection come from the
 * "contract" in each page's settings (mapapp/contract.py), never from literals.
 * el() makes text nodes of strings: text from the data is never parsed as HTML.
 */
(function () {
  "use strict";

  var EARTH_RADIUS_M = 6371008.8;
  var RAD = Math.PI / 180;

  /* "{name} m" with {name} filled from values; unknown keys are left as they are. */
  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  /* For the few places Leaflet takes HTML (layer switch labels). */
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* Create an element; string and number children become text nodes (never HTML). */
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
      var text = typeof child === "string" || typeof child === "number";
      node.appendChild(text ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function safeHttpUrl(url) {
    return /^https?:\/\//i.test(url || "") ? url : null;
  }

  /* The settings of a page: the id of a JSON <script> element, or the settings. */
  function readSettings(ref) {
    if (typeof ref !== "string") return ref;
    return JSON.parse(document.getElementById(ref).textContent);
  }

  /* A walking distance as "120 m" or "1.4 km" ("1,4 км" in ru and kk) with the page's
   * templates S.m, S.km, numbers written as the page's language `lang` writes them. */
  function distanceText(metres, S, lang) {
    if (metres < 1000) return fmt(S.m, { n: number(Math.max(10, Math.round(metres / 10) * 10), 0, lang) });
    return fmt(S.km, { n: number(metres / 1000, 1, lang) });
  }

  /* A number with exactly `digits` decimals as the page's language writes it (one
   * formatter per language and digits: making one costs milliseconds). */
  var formats = {};
  var symbols = {};

  /* The decimal and group symbols of a language as the server's Babel has them: the
   * browser's own data may lack a language (Chromium writes Kazakh "2.6"). */
  function setNumberSymbols(lang, given) { if (given) symbols[lang] = given; }

  function makeFormat(lang, digits) {
    var options = { minimumFractionDigits: digits, maximumFractionDigits: digits };
    var own = new Intl.NumberFormat(lang, options), want = symbols[lang];
    var parts = own.formatToParts ? own.formatToParts(1234.5) : [];
    var decimal = parts.filter(function (p) { return p.type === "decimal"; })[0];
    if (!want || !decimal || decimal.value === want.decimal) return own;
    var plain = new Intl.NumberFormat("en", options);
    return {
      format: function (x) {
        return plain.format(x).replace(/[,.]/g, function (c) { return c === "," ? want.group : want.decimal; });
      }
    };
  }

  function number(n, digits, lang) {
    var key = lang + "|" + digits;
    try {
      if (!formats[key]) formats[key] = makeFormat(lang, digits);
      return formats[key].format(n);
    } catch (e) {
      return n.toFixed(digits);
    }
  }

  /* Minutes to walk a distance at the contract's walking speed. */
  function walkingMinutes(metres, contract) {
    return Math.abs(metres) / (contract.walkingSpeedKmh * 1000 / 60);
  }

  /* Great-circle distance in metres. */
  function haversine(lat1, lon1, lat2, lon2) {
    var dlat = (lat2 - lat1) * RAD;
    var dlon = (lon2 - lon1) * RAD;
    var a = Math.pow(Math.sin(dlat / 2), 2) +
      Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.pow(Math.sin(dlon / 2), 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /*
   * Transverse Mercator from lon/lat to metres with the contract's parameters (UTM
   * 43N), by Krüger's series to the third order: within a millimetre of pyproj a few
   * degrees either side of the central meridian.
   */
  function transverseMercator(p) {
    var n = p.f / (2 - p.f);
    var scale = p.k0 * p.a / (1 + n) * (1 + n * n / 4 + Math.pow(n, 4) / 64);
    var alpha = [
      n / 2 - 2 * n * n / 3 + 5 * Math.pow(n, 3) / 16,
      13 * n * n / 48 - 3 * Math.pow(n, 3) / 5,
      61 * Math.pow(n, 3) / 240
    ];
    var e = 2 * Math.sqrt(n) / (1 + n);
    return function (lon, lat) {
      var s = Math.sin(lat * RAD);
      var lam = (lon - p.lon0) * RAD;
      var t = Math.sinh(Math.atanh(s) - e * Math.atanh(e * s));
      var xi = Math.atan2(t, Math.cos(lam));
      var eta = Math.atanh(Math.sin(lam) / Math.sqrt(1 + t * t));
      var x = eta, y = xi;
      for (var j = 1; j <= alpha.length; j++) {
        x += alpha[j - 1] * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
        y += alpha[j - 1] * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
      }
      return [p.falseEasting + scale * x, p.falseNorthing + scale * y];
    };
  }

  /*
   * A walker's place on the route, as mapapp.geo.Route.locate gives it: chainage
   * (metres along the route to its closest point) and offset (metres from it), both
   * in the contract's projection. coords are GeoJSON [lon, lat] pairs.
   */
  function makeLocator(coords, projection) {
    var project = transverseMercator(projection);
    var pts = coords.map(function (c) { return project(c[0], c[1]); });
    var cum = [0];
    for (var i = 1; i < pts.length; i++) {
      cum.push(cum[i - 1] + Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]));
    }
    return function (lon, lat) {
      var p = project(lon, lat);
      var best = { offset: Infinity, chainage: 0 };
      for (var j = 1; j < pts.length; j++) {
        var a = pts[j - 1], b = pts[j];
        var dx = b[0] - a[0], dy = b[1] - a[1];
        var len2 = dx * dx + dy * dy;
        var t = len2 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
        t = Math.max(0, Math.min(1, t));
        var d = Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
        if (d < best.offset) best = { offset: d, chainage: cum[j - 1] + t * Math.sqrt(len2) };
      }
      return best;
    };
  }

  /* A photo's licences: short names (the same in every language) and where each open
     one is explained; mapapp/credits.py is the list. */
  var LICENCES = {
    "CC-BY-4.0": ["CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"],
    "CC-BY-SA-4.0": ["CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"],
    "CC0-1.0": ["CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"]
  };

  /* "Photo: Aigerim S., 2026-05-01, CC BY 4.0" from a photo's author, date, licence. */
  function photoCredit(p, T) {
    var parts = [p.author, p.taken_on].filter(Boolean);
    if (p.licence === "all-rights-reserved-with-permission") parts.push(T.allRights);
    else if (LICENCES[p.licence]) parts.push(LICENCES[p.licence][0]);
    return parts.length ? fmt(T.photoBy, { credit: parts.join(", ") }) : T.creditNotRecorded;
  }

  /* The small gallery of a work's photos with their credits, cover first: the one
     place its markup is built (the map's popups, the field survey). photos:
     [{name, caption, author, taken_on, licence}]; photoUrl: a URL with {name};
     T: {photoOf, photoBy, creditNotRecorded, allRights, licence}; title: the work's. */
  function gallery(photos, photoUrl, T, title) {
    var box = el("div", { className: "gallery" });
    photos.forEach(function (p) {
      var credit = el("span", { className: "credit" }, photoCredit(p, T));
      var licence = LICENCES[p.licence];
      if (licence) {
        credit.appendChild(document.createTextNode(" "));
        credit.appendChild(el("a", { href: licence[1], target: "_blank", rel: "noopener noreferrer license" }, "(" + T.licence + ")"));
      }
      box.appendChild(el("figure", { className: "gallery-photo" },
        el("img", {
          className: "photo", src: fmt(photoUrl, { name: p.name }),
          alt: p.caption || fmt(T.photoOf, { title: title }), loading: "lazy"
        }),
        el("figcaption", {}, p.caption ? el("span", { className: "caption" }, p.caption) : null, " ", credit)));
    });
    return box;
  }

  window.TerrenkurCommon = {
    gallery: gallery,
    photoCredit: photoCredit,
    fmt: fmt,
    escapeHtml: escapeHtml,
    el: el,
    safeHttpUrl: safeHttpUrl,
    readSettings: readSettings,
    distanceText: distanceText,
    number: number,
    setNumberSymbols: setNumberSymbols,
    walkingMinutes: walkingMinutes,
    haversine: haversine,
    transverseMercator: transverseMercator,
    makeLocator: makeLocator
  };
})();
