/*
 * Cultural Terrenkur: the "seen" tick per work, kept on this phone only.
 *
 * One global, TerrenkurSeen: the slugs of the works the walker has ticked, in
 * localStorage (no account, nothing sent). Pages listen for changes with
 * onChange, so that a tick in a card and on a tour page agree, in this tab and
 * in others (the storage event).
 */
(function () {
  "use strict";

  var KEY = "terrenkur:seen:v1";
  var listeners = [];

  function read() {
    try {
      var list = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter(function (s) { return typeof s === "string"; }) : [];
    } catch (e) {
      return [];
    }
  }

  function write(list) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(list));
    } catch (e) { /* storage full or off: the tick lasts for this page only */ }
    listeners.forEach(function (fn) { fn(); });
  }

  function has(slug) { return read().indexOf(slug) >= 0; }

  function set(slug, seen) {
    var list = read().filter(function (s) { return s !== slug; });
    if (seen) list.push(slug);
    write(list);
  }

  /* How many of `slugs` are seen. */
  function count(slugs) {
    var seen = read();
    return slugs.filter(function (s) { return seen.indexOf(s) >= 0; }).length;
  }

  function onChange(fn) { listeners.push(fn); }

  window.addEventListener("storage", function (e) {
    if (e.key === KEY) listeners.forEach(function (fn) { fn(); });
  });

  window.TerrenkurSeen = { KEY: KEY, has: has, set: set, all: read, count: count, onChange: onChange };
})();
