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
