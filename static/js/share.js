/*
 * Cultural Terrenkur: a card's ways on, added below its texts: "Share" (the Web
 * Share API, else the link copied), "Directions" (each map app, from the URL
 * templates of mapapp/sharing.py, and the walk along the river from where the
 * walker is), the work's QR code, and the "seen" tick (seen.js).
 *
 * terrenkur.js calls every function in Terrenkur.cardParts with the card it is
 * building ({ id, slug, title, lat, lon, chainage, offset, permalink, walker, S })
 * and puts the node it returns at the end of the card. Needs common.js.
 */
(function () {
  "use strict";

  var C = window.TerrenkurCommon;
  var fmt = C.fmt;
  var el = C.el;

  /* The permalink as a full address that names the page's language. */
  function shareUrl(card) {
    var url = new URL(card.permalink, location.href);
    url.searchParams.set("lang", card.S.lang);
    return url.href;
  }

  function say(node, text) {
    node.textContent = "";
    // a fresh text each time, so that a screen reader says it again
    window.setTimeout(function () { node.textContent = text; }, 50);
  }

  function copyText(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = el("textarea", { readonly: "readonly", className: "visually-hidden" }, text);
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error("copy refused"));
    });
  }

  function shareButton(card, T, note) {
    var btn = el("button", { type: "button", className: "tk-action tk-share" }, T.share);
    btn.addEventListener("click", function () {
      var url = shareUrl(card);
      if (navigator.share) {
        navigator.share({ title: card.title, url: url }).catch(function () { /* dismissed */ });
        return;
      }
      copyText(url).then(function () { say(note, T.linkCopied); }, function () {
        say(note, fmt(T.copyThis, { url: url }));
      });
    });
    return btn;
  }

  /* "1.2 km along the river walk heading north, about 15 min" from the walker's place. */
  function alongTheRiver(card, T) {
    var w = card.walker, contract = card.S.contract;
    if (!w) return T.alongUnknown;
    var ahead = card.chainage - w.chainage;
    var compass = card.S.headings[ahead >= 0 ? "forward" : "backward"];
    var heading = card.T[compass] || compass;
    var metres = Math.abs(ahead) + card.offset + w.offset;
    var text = fmt(T.alongRiver, {
      dist: C.distanceText(Math.abs(ahead), card.T), dir: heading,
      min: C.number(Math.max(1, Math.round(C.walkingMinutes(metres, contract))), 0, card.S.lang)
    });
    if (w.offset > contract.farFromRouteM) text = fmt(T.toTheRiver, { dist: C.distanceText(w.offset, card.T) }) + " " + text;
    if (card.offset > contract.popupOffRouteM) text += " " + fmt(T.thenOff, { dist: C.distanceText(card.offset, card.T) });
    return text;
  }

  function directions(card, T) {
    var label = encodeURIComponent(card.title);
    var list = el("ul", { className: "tk-directions-links" });
    (card.S.share.directions || []).forEach(function (d) {
      var href = fmt(d.url, { lat: card.lat.toFixed(6), lon: card.lon.toFixed(6), label: label });
      list.appendChild(el("li", {}, el("a", { href: href, rel: "noopener noreferrer", "data-app": d.key }, d.name)));
    });
    return el("details", { className: "tk-directions" },
      el("summary", {}, T.directions),
      el("p", { className: "tk-along" }, alongTheRiver(card, T)),
      list);
  }

  function seenTick(card, T) {
    var Seen = window.TerrenkurSeen;
    if (!Seen) return null;
    var box = el("input", { type: "checkbox", name: "seen", value: card.slug });
    box.checked = Seen.has(card.slug);
    box.addEventListener("change", function () { Seen.set(card.slug, box.checked); });
    return el("label", { className: "tk-action tk-seen" }, box, " " + T.seen);
  }

  function cardActions(card) {
    var T = card.S.share.strings;
    var note = el("p", { className: "tk-share-note", role: "status" });
    var qr = card.S.share.urls.qr ? fmt(card.S.share.urls.qr, { slug: card.slug }) : null;
    var row = el("div", { className: "tk-actions" },
      shareButton(card, T, note),
      qr ? el("a", { className: "tk-action tk-qr", href: qr + (qr.indexOf("?") < 0 ? "?" : "&") + "lang=" + card.S.lang },
        T.qr, el("span", { className: "visually-hidden" }, ": " + card.title)) : null,
      seenTick(card, T));
    return el("div", { className: "tk-card-more" }, row, note, directions(card, T));
  }

  window.TerrenkurShare = { shareUrl: shareUrl, alongTheRiver: alongTheRiver, cardActions: cardActions };
  if (window.Terrenkur && window.Terrenkur.cardParts) window.Terrenkur.cardParts.push(cardActions);
})();
