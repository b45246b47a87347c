/* Disclosures that are open on wide screens and closed on phones (the main menu, the
   catalogue's filters): <details data-open-wide>. Without JavaScript they stay closed and
   their <summary> button opens them; data-keep-open (a form with errors) keeps one open. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var wide = window.matchMedia("(min-width: 37.5em)");
  function sync() {
    var items = document.querySelectorAll("details[data-open-wide]");
    for (var i = 0; i < items.length; i++) {
      items[i].open = wide.matches || items[i].hasAttribute("data-keep-open");
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", sync);
  } else {
    sync();
  }
  if (wide.addEventListener) { wide.addEventListener("change", sync); }
})();
