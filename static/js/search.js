/*
 * Cultural Terrenkur: search the map by title or artist in any language, online
 * or not.
 *
 * The index (/api/search-index: each work's names folded to Latin keys by
 * mapapp/folding.py, with the folding's tables) is fetched once per data version
 * and kept in localStorage, so a search needs no network: the query is folded
 * here by the same tables, and each of its words must start a word of a work's
 * names (kasteyev, Кастеев and Қастеев all find the Kasteyev museum). Results
 * list the works in the page's language; choosing one opens its card
 * (Terrenkur.openWork). Needs common.js.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var el = C.el;
  var STORE_KEY = "terrenkur:search-index:v1";
  var MAX_RESULTS = 20;

  /* One word folded as mapapp.folding.fold_word does. */
  function foldWord(word, tables) {
    var out = "";
    Array.prototype.forEach.call(word.toLowerCase(), function (ch) {
      if (Object.prototype.hasOwnProperty.call(tables.cyrillic, ch)) out += tables.cyrillic[ch];
      else if (Object.prototype.hasOwnProperty.call(tables.latin, ch)) out += tables.latin[ch];
      else out += ch.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
    });
    out = out.replace(/[^a-z0-9]/g, "");
    tables.even.forEach(function (pair) { out = out.split(pair[0]).join(pair[1]); });
    out = out.replace(/(.)\1+/g, "$1").split("ie").join("e");
    return out.replace(/(.)\1+/g, "$1");
  }

  /* A text as its folded words (letters and digits of any script). */
  function fold(text, tables) {
    var words = String(text || "").match(/[\p{L}\p{N}_]+/gu) || [];
    return words.map(function (w) { return foldWord(w, tables); }).filter(Boolean);
  }

  /* The ids of the works whose names hold every word of the query (as a word's start). */
  function find(index, query) {
    var wanted = fold(query, index.folding);
    if (!wanted.length) return [];
    var out = [];
    for (var i = 0; i < index.ids.length && out.length < MAX_RESULTS; i++) {
      var words = index.keys[i].split(" ");
      var all = wanted.every(function (q) {
        return words.some(function (w) { return w.indexOf(q) === 0; });
      });
      if (all) out.push(index.ids[i]);
    }
    return out;
  }

  function stored(version) {
    try {
      var doc = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null");
      return doc && (!version || doc.version === version) ? doc.index : null;
    } catch (e) {
      return null;
    }
  }

  function keep(version, index) {
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify({ version: version, index: index }));
    } catch (e) { /* full: searched from memory this time */ }
  }

  /* The index: the kept copy of this version, else fetched, else any kept copy. */
  function loadIndex(url, version) {
    var kept = stored(version);
    if (kept) return Promise.resolve(kept);
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (index) {
      keep(version, index);
      return index;
    }, function (error) {
      var old = stored(null);
      if (old) return old;
      throw error;
    });
  }

  function mountSearch(options) {
    var form = document.getElementById("search");
    if (!form) return;
    var input = form.querySelector("input[type=search]");
    var results = document.getElementById("search-results");
    var note = document.getElementById("search-note");
    var T = options.strings;
    var index = null;
    var loading = null;

    function ensure() {
      if (index) return Promise.resolve(index);
      if (!loading) {
        loading = loadIndex(options.url, options.version).then(function (doc) {
          index = doc;
          return doc;
        }, function (error) {
          loading = null;
          throw error;
        });
      }
      return loading;
    }

    function show(ids) {
      results.replaceChildren();
      ids.forEach(function (id) {
        var work = options.work(id);
        if (!work) return;
        var btn = el("button", { type: "button", className: "search-hit", "data-id": id },
          el("span", { className: "stop-title" }, work.title),
          work.meta ? el("span", { className: "stop-meta" }, work.meta) : null);
        results.appendChild(el("li", {}, btn));
      });
      var n = results.children.length;
      note.textContent = input.value.trim() ? (n ? C.fmt(T.found, { n: C.number(n, 0, options.lang) }) : T.none) : "";
    }

    function run() {
      var q = input.value;
      if (!q.trim()) { show([]); return; }
      ensure().then(function (doc) {
        if (input.value === q) show(find(doc, q));
      }, function () { note.textContent = T.failed; });
    }

    input.addEventListener("input", run);
    input.addEventListener("focus", function () { ensure().catch(function () { /* said on search */ }); });
    form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
    results.addEventListener("click", function (e) {
      var btn = e.target.closest("button.search-hit");
      if (btn) options.open(parseInt(btn.getAttribute("data-id"), 10), e.detail === 0);
    });
  }

  window.TerrenkurSearch = { foldWord: foldWord, fold: fold, find: find, loadIndex: loadIndex, mount: mountSearch };
})();

/* On the map page: the search box in the panel, once the map is mounted. */
(function () {
  "use strict";

  var T0 = window.Terrenkur;
  if (!T0 || !T0.onMount || !window.TerrenkurSearch) return;
  T0.onMount.push(function (api) {
    var share = api.S.share;
    if (!share || !share.urls.searchIndex) return;
    // fetched (and kept) once the map is drawn, so that it is there when the signal is not
    api.ready.then(function () {
      window.setTimeout(function () {
        if (navigator.onLine === false) return;
        window.TerrenkurSearch.loadIndex(share.urls.searchIndex, share.urls.searchIndex).catch(function () {});
      }, 500);
    });
    window.TerrenkurSearch.mount({
      url: share.urls.searchIndex,
      version: share.urls.searchIndex, // the URL names the data version
      lang: api.S.lang,
      strings: { found: share.strings.searchFound, none: share.strings.searchNone, failed: share.strings.searchFailed },
      work: api.work,
      open: api.openWork
    });
  });
})();
