// The register list (/people): when a region is chosen in the filter's picker by
// tapping a chip, the picker is redrawn without a change event, so ask the
// filter form to refresh the results. Typing in the fields is handled by the
// form's own hx-trigger. Without JavaScript the form is a plain GET form.
(function () {
  "use strict";
  var pending = false;
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail && e.detail.elt;
    if (!elt || !elt.closest) return;
    var form = elt.closest("#people-filters");
    if (form && elt.tagName === "BUTTON" && elt.closest(".picker")) pending = true;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!pending) return;
    pending = false;
    var form = document.getElementById("people-filters");
    if (form && window.htmx) window.htmx.trigger(form, "refresh");
  });
})();
