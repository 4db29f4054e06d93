// The place picker on a location's page: progressive enhancement over the latitude and longitude
// fields. Only where a tile layer is set (MAP_TILE_URL): on a plain background there is nothing
// to pick from, and the fields are typed. Selecting the map fills both fields; nothing is saved
// until the form is sent.
(function () {
  "use strict";

  function start() {
    var element = document.querySelector("[data-place-picker]");
    var latitude = document.getElementById("id_latitude");
    var longitude = document.getElementById("id_longitude");
    var tiles = element && element.getAttribute("data-tile-url");
    if (!element || !latitude || !longitude || !tiles || !window.L) { return; }
    element.hidden = false;
    var hint = document.querySelector("[data-place-picker-hint]");
    if (hint) { hint.hidden = false; }
    var map = window.L.map(element, { scrollWheelZoom: false, attributionControl: true });
    window.L.tileLayer(tiles, {
      maxZoom: 19,
      attribution: element.getAttribute("data-tile-attribution") || ""
    }).addTo(map);
    var marker = null;
    function place(lat, lng) {
      if (marker) { marker.setLatLng([lat, lng]); } else {
        marker = window.L.circleMarker([lat, lng], {
          radius: 8, color: "#0b0c0c", weight: 2, fillColor: "#1d70b8", fillOpacity: 0.8
        }).addTo(map);
      }
    }
    var lat = parseFloat(latitude.value);
    var lng = parseFloat(longitude.value);
    if (isFinite(lat) && isFinite(lng)) {
      place(lat, lng);
      map.setView([lat, lng], 16);
    } else {
      map.setView([54.0, -2.5], 6);  // Great Britain
    }
    map.on("click", function (event) {
      latitude.value = event.latlng.lat.toFixed(6);
      longitude.value = event.latlng.lng.toFixed(6);
      place(event.latlng.lat, event.latlng.lng);
    });
    element.setAttribute("data-place-picker-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
