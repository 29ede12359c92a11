/* The idle limit, told in time (WCAG 2.2.1 Timing adjustable).
 *
 * Before the login runs out the page shows a warning with "Fortsätt vara inloggad" and moves focus to
 * it; the button extends the login without leaving the page. If nobody answers, what is typed in an
 * application's step form is saved as a draft, then the page reloads and the portal asks for a new
 * login (and brings the person back here afterwards). The page's own checks never count as activity.
 * Without JavaScript the portal still saves a step posted after the limit (portal/access.py).
 */
(function () {
  "use strict";
  var body = document.body;
  var statusUrl = body.getAttribute("data-session-status");
  var dialog = document.getElementById("session-warning");
  if (!statusUrl || !dialog || !window.fetch) { return; }
  var warning = parseInt(body.getAttribute("data-session-warning"), 10) || 120;
  var extendForm = dialog.querySelector("form[data-session-extend]");
  var remainingText = dialog.querySelector("[data-session-remaining]");
  var heading = dialog.querySelector("h2");
  var lang = document.documentElement.lang || "sv";
  var deadline = 0;
  var timer = null;
  var ticker = null;
  var returnFocus = null;
  var saved = false;
  var background = { "X-Portal-Background": "1" };

  function later(ms, fn) {
    clearTimeout(timer);
    timer = setTimeout(fn, Math.max(0, ms));
  }

  // "2 minuter", "2 minutes", "دقيقتان": the browser knows every language's words and plurals for units.
  function inWords(value, unit) {
    try {
      return new Intl.NumberFormat(lang, {style: "unit", unit: unit, unitDisplay: "long"}).format(value);
    } catch (e) {
      return null;  // an older browser: the Swedish and English words below
    }
  }

  function describe(seconds) {
    var minutes = Math.ceil(seconds / 60);
    var words = inWords(seconds >= 90 ? minutes : seconds >= 60 ? 1 : Math.max(0, Math.round(seconds)),
                        seconds >= 60 ? "minute" : "second");
    if (words) { return words; }
    if (seconds >= 90) {
      return lang === "sv" ? minutes + " minuter" : minutes + " minutes";
    }
    if (seconds >= 60) { return lang === "sv" ? "1 minut" : "1 minute"; }
    var s = Math.max(0, Math.round(seconds));
    return lang === "sv" ? s + " sekunder" : s + " seconds";
  }

  function secondsLeft() { return (deadline - Date.now()) / 1000; }

  // Typing is activity too, though the page does not talk to the portal while someone writes: when the
  // warning is due and the person has typed since the page last told the portal, the login is extended
  // quietly instead of interrupting them.
  var typedSince = false;
  document.addEventListener("input", function () { typedSince = true; }, true);

  function extendQuietly() {
    typedSince = false;
    fetch(extendForm.getAttribute("action"), {
      method: "POST",
      body: new FormData(extendForm),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.state !== "active") { return ended(); }
        deadline = Date.now() + state.remaining * 1000;
        later((state.remaining - warning) * 1000, check);
      })
      .catch(function () { later(30000, check); });
  }

  function check() {
    if (typedSince && dialog.hidden) { return extendQuietly(); }
    fetch(statusUrl, { credentials: "same-origin", headers: background, cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.state !== "active") { return ended(); }
        deadline = Date.now() + state.remaining * 1000;
        if (state.remaining > warning + 2) {
          hide();
          later((state.remaining - warning) * 1000, check);
        } else {
          show();
        }
      })
      .catch(function () { later(30000, check); });
  }

  function show() {
    if (dialog.hidden) {
      returnFocus = document.activeElement;
      dialog.hidden = false;
      heading.focus();
    }
    update();
    clearInterval(ticker);
    // The text changes quietly (no live region), so a screen reader is not interrupted every few seconds.
    ticker = setInterval(update, 5000);
    var saveAt = Math.min(15, warning / 2);
    later((secondsLeft() - saveAt) * 1000, saveThenCheck);
  }

  function update() {
    remainingText.textContent = describe(secondsLeft());
  }

  function hide() {
    clearInterval(ticker);
    if (!dialog.hidden) {
      dialog.hidden = true;
      if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
    }
  }

  function stepForm() {
    return document.querySelector("form[data-autosave]");
  }

  function saveThenCheck() {
    var form = stepForm();
    if (!form || saved) { return later(secondsLeft() * 1000 + 1500, check); }
    var data = new FormData(form);
    data.set("action", "autosave");
    data.delete("file");
    saved = true;
    // getAttribute: the form has buttons named "action", which shadow form.action.
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", headers: background })
      .finally(function () { later(secondsLeft() * 1000 + 1500, check); });
  }

  function ended() {
    clearInterval(ticker);
    // The portal answers the reload with the login page and a message, and comes back here after it.
    window.location.reload();
  }

  extendForm.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(extendForm.getAttribute("action"), {
      method: "POST",
      body: new FormData(extendForm),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.state !== "active") { return ended(); }
        saved = false;
        typedSince = false;
        deadline = Date.now() + state.remaining * 1000;
        hide();
        later((state.remaining - warning) * 1000, check);
      })
      .catch(function () { extendForm.submit(); });
  });

  // The page says how long its login has left when it was made; the portal is asked only when the
  // warning is due (another tab may have kept the login alive meanwhile).
  var left = parseInt(body.getAttribute("data-session-remaining"), 10);
  later(isNaN(left) ? 0 : (left - warning) * 1000, check);
})();
