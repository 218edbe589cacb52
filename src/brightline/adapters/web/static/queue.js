// N starts (or continues) reviewing from the queue page.
(function () {
  "use strict";
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key.toLowerCase() === "n") {
      const start = document.getElementById("start");
      if (start && !start.disabled) start.form.submit();
    }
  });
})();
