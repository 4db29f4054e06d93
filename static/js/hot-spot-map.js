// The hot spots map: progressive enhancement over the table beside it (which holds the same
// points). Leaflet draws the points; the tile layer is the MAP_TILE_URL setting, and with none
// (the offline demo, the tests) the points draw on a plain background and nothing is fetched.
(function () {
  "use strict";

  function start() {
    var element = document.querySelector("[data-hot-spot-map]");
    var source = document.getElementById("hot-spot-points");
    if (!element || !source || !window.L) { return; }
    var points = JSON.parse(source.textContent);
    if (!points.length) { return; }
    element.hidden = false;
    var map = window.L.map(element, { scrollWheelZoom: false, attributionControl: true });
    var tiles = element.getAttribute("data-tile-url");
    if (tiles) {
      window.L.tileLayer(tiles, {
        maxZoom: 19,
        attribution: element.getAttribute("data-tile-attribution") || ""
      }).addTo(map);
    }
    var most = points.reduce(function (top, p) { return Math.max(top, p.young_people); }, 1);
    var bounds = [];
    points.forEach(function (point) {
      var marker = window.L.circleMarker([point.lat, point.lng], {
        radius: 6 + 14 * (point.young_people / most),
        color: "#0b0c0c",
        weight: 1,
        fillColor: "#d4351c",
        fillOpacity: 0.7
      }).addTo(map);
      var text = document.createElement("span");
      text.textContent = point.label + (point.postcode ? " (" + point.postcode + ")" : "") + ": " +
        point.young_people + " young people, " + point.items + " items";
      marker.bindTooltip(text);
      bounds.push([point.lat, point.lng]);
    });
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
    element.setAttribute("data-hot-spot-map-ready", String(points.length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
