// Live update for a run in progress: poll the run's JSON and reload the page
// when its version changes. Served from the package; no third-party code.
(function () {
  "use strict";
  var el = document.getElementById("live");
  if (!el) { return; }
  var url = el.getAttribute("data-live");
  var version = el.getAttribute("data-version");
  var interval = parseInt(el.getAttribute("data-interval"), 10) || 1000;
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.version !== version) { window.location.reload(); return; }
        window.setTimeout(tick, interval);
      })
      .catch(function () { window.setTimeout(tick, interval * 2); });
  }
  window.setTimeout(tick, interval);
})();
