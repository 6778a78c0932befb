// authctl's self-service UI: runs the WebAuthn and passkey functions of
// Kratos' webauthn.js that a node names (onclickTrigger, onloadTrigger),
// since the Content-Security-Policy admits no inline handlers.
(function () {
  "use strict";
  function run(name) {
    if (/^ory[A-Za-z]+$/.test(name) && typeof window[name] === "function") {
      window[name]();
      return true;
    }
    return false;
  }
  function whenReady(name, tries) {
    if (!run(name) && tries > 0) {
      setTimeout(function () { whenReady(name, tries - 1); }, 100);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-trigger]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        ev.preventDefault();
        run(el.getAttribute("data-trigger"));
      });
    });
    document.querySelectorAll("[data-load-trigger]").forEach(function (el) {
      // webauthn.js loads async: wait for it (at most 5 s).
      whenReady(el.getAttribute("data-load-trigger"), 50);
    });
  });
})();
// The kubectl code field selects its whole value on focus, for one copy.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll("[data-select-all]").forEach(function (el) {
    el.addEventListener("focus", function () { el.select(); });
  });
});
