/* Cultural Terrenkur planner's report: the print button (the page prints without it too). */
(function () {
  "use strict";
  var button = document.getElementById("print-report");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
