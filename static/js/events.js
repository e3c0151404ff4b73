/*
 * Cultural Terrenkur: events and each work's life on the walk map.
 *
 * A plugin of terrenkur.js (window.TerrenkurPlugins): reads its own settings blob
 * (terrenkur-events, from mapapp/views/events.py: the events, not the works), when
 * each work stood from the stop table's `stood` column (day numbers) and a work's
 * events and life from its detail chunk (mapapp/payloads.py), and adds
 * - a filter: by default the map shows the works that stand today (and those whose
 *   dates are not known); "Show works that are gone" shows every work; the month
 *   slider shows what stood in a month ("What stood here in September 2018"),
 *   dated works only;
 * - the events as a layer of markers, and "What's on" sorted by this moment;
 * - a work's events and its dated life in its popup;
 * - the event pages kept for offline use by the service worker.
 * Today is the day in Almaty by this device's clock. Text goes in with textContent.
 * Needs common.js.
 */
(function () {
  "use strict";

  var C, fmt, el; // common.js, read when the map mounts (this file may load first)
  var ZONE = "Asia/Almaty";
  var BUCKETS = ["on", "week", "upcoming", "past"];
  var WEEK_MS = 7 * 24 * 3600 * 1000;
  var DAY_MS = 24 * 3600 * 1000;

  /* A YYYY-MM-DD day as the stop table's day number (days since 1970-01-01). */
  function dayNumber(iso) {
    return Date.UTC(parseInt(iso.slice(0, 4), 10), parseInt(iso.slice(5, 7), 10) - 1,
      parseInt(iso.slice(8, 10), 10)) / DAY_MS;
  }

  /* The day in Almaty at `when` (a Date), as YYYY-MM-DD. */
  function almatyDay(when) {
    var parts = {};
    new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(when).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  function monthsFrom(first, last) {
    var out = [];
    var y = parseInt(first.slice(0, 4), 10), m = parseInt(first.slice(5, 7), 10);
    var ly = parseInt(last.slice(0, 4), 10), lm = parseInt(last.slice(5, 7), 10);
    while (y < ly || (y === ly && m <= lm)) {
      out.push(y + "-" + (m < 10 ? "0" : "") + m);
      m += 1;
      if (m > 12) { m = 1; y += 1; }
    }
    return out;
  }

  function lastDay(month) {
    var y = parseInt(month.slice(0, 4), 10), m = parseInt(month.slice(5, 7), 10);
    var d = new Date(Date.UTC(y, m, 0)).getUTCDate();
    return month + "-" + (d < 10 ? "0" : "") + d;
  }

  /* As mapapp.lifecycle.state_on: standing, gone, not_yet or unknown on `day` (a day
   * number), from a `stood` value (mapapp.payloads.stood: spans, "g", "n" or 0). */
  function stateOn(stood, day) {
    if (stood === "g") return "gone";
    if (stood === "n") return "not_yet";
    var spans = Array.isArray(stood) ? stood : [];
    for (var i = 0; i < spans.length; i++) {
      if (spans[i][0] <= day && (spans[i][1] === null || spans[i][1] >= day)) return "standing";
    }
    if (spans.length && spans[0][0] > day) return "not_yet";
    return spans.length ? "gone" : "unknown";
  }

  function stoodInMonth(stood, month) {
    var first = dayNumber(month + "-01"), last = dayNumber(lastDay(month));
    return Array.isArray(stood) && stood.some(function (s) {
      return s[0] <= last && (s[1] === null || s[1] >= first);
    });
  }

  function bucketOf(ev, now) {
    var begin = Date.parse(ev.b), end = Date.parse(ev.e);
    if (end <= now) return "past";
    if (begin <= now) return "on";
    return begin < now + WEEK_MS ? "week" : "upcoming";
  }

  function plugin(app, refresh) {
    C = window.TerrenkurCommon;
    fmt = C.fmt;
    el = C.el;
    var blob = document.getElementById("terrenkur-events");
    if (!blob) return;
    var S = JSON.parse(blob.textContent);
    var T = S.strings;
    var now = Date.now();
    var today = almatyDay(new Date(now));
    var todayN = dayNumber(today);
    var months = monthsFrom(S.first, today.slice(0, 7));
    var gone = document.getElementById("show-gone");
    var slider = document.getElementById("stood-month");
    var text = document.getElementById("stood-text");
    var layerBox = document.getElementById("events-layer");
    var state = { month: null };
    var monthName = new Intl.DateTimeFormat(S.lang, { month: "long", year: "numeric", timeZone: "UTC" });

    var bySlug = {};
    S.events.forEach(function (ev) { bySlug[ev.slug] = ev; });

    function stoodOf(i) { return app.D.stood[i]; }
    function count(test) {
      var n = 0;
      if (app.D) for (var i = 0; i < app.D.id.length; i++) if (test(i)) n += 1;
      return n;
    }

    app.filters.push(function (i) {
      if (state.month) return stoodInMonth(stoodOf(i), state.month);
      if (gone && gone.checked) return true;
      var st = stateOn(stoodOf(i), todayN);
      return st === "standing" || st === "unknown";
    });

    function describe() {
      if (!text) return;
      if (!state.month) {
        text.textContent = T.standingNow;
        return;
      }
      var shown = count(function (i) { return stoodInMonth(stoodOf(i), state.month); });
      var undated = count(function (i) { return stateOn(stoodOf(i), todayN) === "unknown"; });
      var y = parseInt(state.month.slice(0, 4), 10), m = parseInt(state.month.slice(5, 7), 10);
      var line = fmt(T.standingIn, { month: monthName.format(new Date(Date.UTC(y, m - 1, 15))), n: shown });
      if (undated) line += " · " + fmt(T.undated, { n: undated });
      text.textContent = line;
    }

    function setMonth(index) {
      state.month = index >= months.length ? null : months[index];
      if (gone) gone.disabled = !!state.month;
      describe();
      refresh();
    }

    if (slider) {
      slider.max = String(months.length);
      slider.value = String(months.length);
      slider.disabled = false;
      slider.addEventListener("input", function () { setMonth(parseInt(slider.value, 10)); });
      slider.setAttribute("aria-valuetext", T.now);
      slider.addEventListener("change", function () {
        slider.setAttribute("aria-valuetext", state.month ? text.textContent : T.now);
      });
    }
    if (gone) gone.addEventListener("change", refresh);

    /* --- events as a layer --- */
    var layer = L.layerGroup();
    S.events.forEach(function (ev) {
      if (ev.lat === null || ev.lat === undefined) return;
      var b = bucketOf(ev, now);
      var marker = L.circleMarker([ev.lat, ev.lon], {
        radius: 9, weight: 3, color: "#ffffff", fillOpacity: 1,
        fillColor: b === "on" ? "#c62828" : b === "past" ? "#757575" : "#6a1b9a",
        className: "event-marker event-" + b
      });
      marker.bindTooltip(ev.name, { direction: "top", offset: [0, -8] });
      // before the popup opens (this runs before Leaflet's own click handler): laid out
      // below the map's notes and inside the map, as the works' cards are
      marker.on("click", function () {
        if (app.popupOptions && marker.getPopup()) L.setOptions(marker.getPopup(), app.popupOptions());
      });
      marker.bindPopup(function () {
        var box = el("div", { className: "tk-popup event-popup" });
        box.appendChild(el("h2", {}, ev.name));
        box.appendChild(el("p", { className: "meta dates" }, ev.period));
        if (ev.place) box.appendChild(el("p", { className: "meta" }, ev.place));
        if (ev.cancelled) box.appendChild(el("p", { className: "meta" }, T.cancelled));
        box.appendChild(el("p", { className: "links" }, el("a", { href: ev.url }, T.eventPage)));
        return box;
      });
      marker.addTo(layer);
    });
    if (!layerBox || layerBox.checked) layer.addTo(app.map);
    // Escape closes an event's popup wherever the keyboard is (as it does a card)
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape") return;
      layer.eachLayer(function (m) {
        if (m.isPopupOpen()) { m.closePopup(); e.preventDefault(); }
      });
    });
    if (layerBox) {
      layerBox.addEventListener("change", function () {
        if (layerBox.checked) layer.addTo(app.map);
        else app.map.removeLayer(layer);
      });
    }

    /* --- "What's on", sorted by this moment --- */
    var groups = document.getElementById("whats-on-groups");
    if (groups) {
      var by = { on: [], week: [], upcoming: [], past: [] };
      S.events.forEach(function (ev) { by[bucketOf(ev, now)].push(ev); });
      by.past.reverse();
      while (groups.firstChild) groups.removeChild(groups.firstChild);
      BUCKETS.forEach(function (name) {
        var items = name === "past" ? by.past.slice(0, 5) : by[name];
        if (!items.length && name !== "on") return;
        groups.appendChild(el("h3", { className: "event-group-heading", "data-bucket": name }, S.headings[name]));
        if (!items.length) {
          groups.appendChild(el("p", { className: "none" }, T.none));
          return;
        }
        var list = el("ul", { className: "events", "data-bucket": name });
        items.forEach(function (ev) {
          list.appendChild(el("li", { className: "event-item", "data-slug": ev.slug },
            el("a", { href: ev.url }, ev.name), " ", el("span", { className: "meta" }, ev.period)));
        });
        groups.appendChild(list);
      });
    }

    /* --- a work's events and life in its card (both from its detail chunk) --- */
    app.popupParts.push(function (nodes, i, d) {
      if (stateOn(stoodOf(i), todayN) === "gone") nodes.push(el("p", { className: "meta gone-note" }, T.gone));
      if (!d) return;
      var own = (d.events || []).filter(function (pair) { return bySlug[pair[1]]; });
      if (own.length) {
        var list = el("ul", { className: "work-events" });
        own.forEach(function (pair) {
          var e = bySlug[pair[1]];
          var line = fmt(pair[0] === "edition" ? T.madeFor : T.heldHere, { event: e.name, period: e.period });
          list.appendChild(el("li", {}, el("a", { href: e.url }, line)));
        });
        nodes.push(el("p", { className: "meta" }, el("strong", {}, T.events)));
        nodes.push(list);
      }
      if (d.life && d.life.length) {
        var life = el("ol", { className: "work-life-entries" });
        d.life.forEach(function (e) {
          // [status, date, date in words, note, photo]
          var label = S.lifeLabels[e[0]] || e[0];
          var item = el("li", {}, e[2] + ": " + label + (e[3] ? " · " + e[3] : ""));
          if (e[4]) {
            item.appendChild(el("img", {
              className: "life-photo", src: fmt(app.S.contract.urls.photoUrl, { name: e[4] }),
              alt: e[2], loading: "lazy", width: 160
            }));
          }
          life.appendChild(item);
        });
        nodes.push(el("p", { className: "meta" }, el("strong", {}, T.life)));
        nodes.push(life);
      }
    });

    /* --- keep "What's on" and the event pages for offline use --- */
    function keepEvents() {
      var worker = navigator.serviceWorker.controller;
      if (!worker) return false;
      var urls = S.keep.map(function (u) { return new URL(u, location.href).href; });
      worker.postMessage({ type: "keep", urls: urls }, [new MessageChannel().port2]);
      return true;
    }
    if (navigator.serviceWorker && window.MessageChannel && !keepEvents()) {
      // a first visit: the worker takes the page over once installed
      navigator.serviceWorker.addEventListener("controllerchange", keepEvents, { once: true });
    }

    describe();
    window.TerrenkurEvents = {
      today: today,
      months: months,
      dayNumber: dayNumber,
      stateOn: stateOn,
      setMonth: function (month) {
        var index = months.indexOf(month);
        if (slider) slider.value = String(index < 0 ? months.length : index);
        setMonth(index < 0 ? months.length : index);
      },
      layer: layer
    };
  }

  window.TerrenkurPlugins = window.TerrenkurPlugins || [];
  window.TerrenkurPlugins.push(plugin);
})();
