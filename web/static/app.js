// yanglao web UI behaviour. Loaded in <head> without defer so the "js" class is
// set before the page paints; everything else waits for the DOM. No framework:
// htmx does the partial updates, this file adds the few things htmx does not.
// Every page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // The organisation field matters only for roles that belong to one.
  function syncOrgField() {
    var field = document.getElementById("org-field");
    var role = document.querySelector("form.form #role");
    if (!field || !role) return;
    var roles = (field.getAttribute("data-org-roles") || "").split(" ");
    field.hidden = roles.indexOf(role.value) < 0;
  }

  ready(function () {
    // Collapsible main menu on narrow screens (a disclosure button).
    var btn = document.querySelector(".menu-btn");
    var menu = document.getElementById("menu");
    if (btn && menu) {
      btn.addEventListener("click", function () {
        var open = btn.getAttribute("aria-expanded") !== "true";
        btn.setAttribute("aria-expanded", String(open));
        menu.classList.toggle("open", open);
      });
      document.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && menu.classList.contains("open")) {
          btn.click();
          btn.focus();
        }
      });
    }
    syncOrgField();
    document.addEventListener("change", function (e) {
      if (e.target && e.target.id === "role") syncOrgField();
    });
  });

  // Enter inside a region picker looks the region up instead of submitting the
  // whole form half filled in.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key !== "Enter" || !t || !t.matches || !t.matches(".picker input")) return;
    e.preventDefault();
    t.dispatchEvent(new Event(t.type === "search" ? "search" : "change", { bubbles: true }));
  });

  // After a picker is redrawn, put focus on what was chosen, so keyboard and
  // screen-reader users are not dropped at the top of the page.
  var pendingPicker = null;
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail && e.detail.elt;
    var picker = elt && elt.closest && elt.closest(".picker");
    pendingPicker = picker && elt.tagName === "BUTTON" ? picker.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!pendingPicker) return;
    var picker = document.getElementById(pendingPicker);
    pendingPicker = null;
    var chosen = picker && picker.querySelector(".chosen");
    if (chosen && (document.activeElement === document.body || !document.activeElement)) chosen.focus();
  });

  // htmx leaves 4xx/5xx answers unswapped; the server sends a short HTML alert
  // for them (web.fail), so show it where the result would have gone.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail && e.detail.xhr;
    if (xhr && xhr.status >= 400 && (xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
})();
