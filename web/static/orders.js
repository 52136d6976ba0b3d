// The caregiver's check-in and check-out carry the phone's position: on
// submit, ask the browser for it, fill the hidden lat/lng/accuracy fields and
// submit. Without a position (refused, no GPS, timeout) the form is still sent
// and the server flags the visit; nothing is silently accepted.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    document.querySelectorAll("form[data-geo]").forEach(function (form) {
      var status = form.querySelector(".geo-status");
      form.addEventListener("submit", function (e) {
        if (form.dataset.located === "1" || !navigator.geolocation) return;
        e.preventDefault();
        var action = e.submitter ? e.submitter.value : "";
        var send = function () {
          form.dataset.located = "1";
          var hidden = form.querySelector("input[name=action]");
          if (!hidden) {
            hidden = document.createElement("input");
            hidden.type = "hidden";
            hidden.name = "action";
            form.appendChild(hidden);
          }
          hidden.value = action;
          form.submit();
        };
        if (status) status.textContent = document.documentElement.lang === "en" ? "Finding your position…" : "正在获取位置…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.elements.lat.value = pos.coords.latitude;
          form.elements.lng.value = pos.coords.longitude;
          form.elements.accuracy.value = pos.coords.accuracy;
          send();
        }, send, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
      });
    });
  });
})();
