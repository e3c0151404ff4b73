/*
 * Cultural Terrenkur: a tour page's "seen" ticks and progress (needs seen.js).
 *
 * The ticks are in the page as disabled checkboxes (so the page says what they
 * are without a script); this turns them on, keeps them in TerrenkurSeen and
 * writes "3 of 7 seen" in the progress line, in the page's language.
 */
(function () {
  "use strict";

  var Seen = window.TerrenkurSeen;
  var list = document.getElementById("tour-works");
  var progress = document.getElementById("tour-progress");
  if (!Seen || !list || !progress) return;

  var boxes = Array.prototype.slice.call(list.querySelectorAll('input[name="seen"]'));
  var slugs = boxes.map(function (b) { return b.value; });
  var lang = progress.getAttribute("data-lang") || document.documentElement.lang;
  var number = new Intl.NumberFormat(lang);

  function show() {
    boxes.forEach(function (b) {
      b.checked = Seen.has(b.value);
      b.closest("li").classList.toggle("is-seen", b.checked);
    });
    progress.textContent = progress.getAttribute("data-template")
      .replace("{seen}", number.format(Seen.count(slugs)))
      .replace("{total}", number.format(slugs.length));
  }

  boxes.forEach(function (b) {
    b.disabled = false;
    b.addEventListener("change", function () { Seen.set(b.value, b.checked); });
  });
  Seen.onChange(show);
  show();
})();

/*
 * On the map page: a tour to follow (?tour=<slug>). Its works' ids in walking
 * order come from /api/tours/<slug> and are published as Terrenkur.tour
 * ({ slug, name, ids, slugs, duration_min, ... }) with a "terrenkur:tour" event on
 * document (detail: the tour), for walk mode to follow; the panel shows the tour's
 * name and how many of its works are seen.
 */
(function () {
  "use strict";

  var T0 = window.Terrenkur;
  if (!T0 || !T0.onMount) return;

  function slugFromUrl() {
    var slug = new URLSearchParams(location.search).get("tour");
    return slug && /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) ? slug : null;
  }

  T0.onMount.push(function (api) {
    var slug = slugFromUrl();
    var box = document.getElementById("tour-bar");
    if (!slug || !box || !api.S.share.urls.tour) return;
    var S = api.S, T = S.share.strings, C = window.TerrenkurCommon, Seen = window.TerrenkurSeen;
    var key = "terrenkur:tour:" + S.lang + ":" + slug;
    fetch(C.fmt(S.share.urls.tour, { slug: slug }), { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (tour) {
      try { window.localStorage.setItem(key, JSON.stringify(tour)); } catch (e) { /* full */ }
      return tour;
    }, function (error) {
      // offline: the copy kept when the tour was last opened
      var kept = null;
      try { kept = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
      if (kept) return kept;
      throw error;
    }).then(function (tour) {
      window.Terrenkur.tour = tour;
      var progress = C.el("span", { className: "tour-bar-progress" });
      function show() {
        var seen = Seen ? Seen.count(tour.slugs) : 0;
        progress.textContent = C.fmt(T.tourProgress, {
          seen: C.number(seen, 0, S.lang), total: C.number(tour.slugs.length, 0, S.lang)
        });
      }
      if (Seen) Seen.onChange(show);
      show();
      box.replaceChildren(
        C.el("strong", {}, C.fmt(T.followingTour, { name: tour.name })), " ", progress, " ",
        C.el("a", { href: tour.url }, T.tourPage));
      box.hidden = false;
      document.dispatchEvent(new CustomEvent("terrenkur:tour", { detail: tour }));
    }).catch(function () {
      box.textContent = T.tourFailed;
      box.hidden = false;
    });
  });
})();
