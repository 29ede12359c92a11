/* Progressive enhancement of the BankID waiting page: swap the QR code every second, ask for the
   status every collect interval, announce changes in the live region, and go on when BankID is done.
   Without this script the page reloads itself (a <noscript> refresh) and reaches the same result. */
(function () {
  "use strict";
  var root = document.querySelector("[data-bankid-status-url]");
  if (!root) { return; }
  var statusUrl = root.getAttribute("data-bankid-status-url");
  var qrUrl = root.getAttribute("data-bankid-qr-url");
  var interval = (parseInt(root.getAttribute("data-bankid-interval"), 10) || 2) * 1000;
  var message = document.getElementById("bankid-message");
  var qr = document.getElementById("bankid-qr");
  var tick = 0;
  var stopped = false;

  if (qr && qrUrl) {
    var qrTimer = window.setInterval(function () {
      if (stopped) { window.clearInterval(qrTimer); return; }
      tick += 1;
      var next = new Image();
      next.onload = function () { if (!stopped) { qr.src = next.src; } };
      next.src = qrUrl + "?n=" + tick;
    }, 1000);
  }

  function poll() {
    if (stopped) { return; }
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.state === "complete" || data.state === "gone") {
          stopped = true;
          window.location.assign(data.redirect);
        } else if (data.state === "failed") {
          stopped = true;
          // The server renders the failure with its retry form; reload to show it.
          window.location.reload();
        } else {
          if (message && data.message && message.textContent !== data.message) {
            message.textContent = data.message;
          }
          window.setTimeout(poll, interval);
        }
      })
      .catch(function () { window.setTimeout(poll, interval * 2); });
  }
  window.setTimeout(poll, interval);
})();
