// The intelligence picture's link chart: progressive enhancement over the tables, which hold the
// same data and stay the accessible alternative. Reads /api/v1/intelligence/network/ (the URL is
// on the section, with the page's filters), draws it with cytoscape.js, and exports PNG or SVG.
(function () {
  "use strict";

  var COLOURS = {
    young_person: "#1d70b8",
    exploiter: "#d4351c",
    location: "#00703c",
    vehicle: "#f47738",
    phone: "#912b88",
    account: "#505a5f"
  };

  function download(name, blob) {
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function escapeXml(text) {
    return String(text).replace(/[<>&"']/g, function (c) {
      return { "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" }[c];
    });
  }

  // cytoscape draws on a canvas; the SVG is written from its positions, for briefings.
  function toSvg(cy) {
    var box = cy.elements().boundingBox({});
    var pad = 20;
    var parts = [
      '<svg xmlns="http://www.w3.org/2000/svg" width="' + Math.ceil(box.w + 2 * pad) +
        '" height="' + Math.ceil(box.h + 2 * pad) + '" viewBox="' + (box.x1 - pad) + " " +
        (box.y1 - pad) + " " + (box.w + 2 * pad) + " " + (box.h + 2 * pad) + '" font-family="Arial, sans-serif">',
      '<rect x="' + (box.x1 - pad) + '" y="' + (box.y1 - pad) + '" width="' + (box.w + 2 * pad) +
        '" height="' + (box.h + 2 * pad) + '" fill="#ffffff"/>'
    ];
    cy.edges().forEach(function (edge) {
      var s = edge.source().position();
      var t = edge.target().position();
      parts.push('<line x1="' + s.x + '" y1="' + s.y + '" x2="' + t.x + '" y2="' + t.y +
        '" stroke="#626a6e" stroke-width="' + edge.style("width").replace("px", "") + '"/>');
    });
    cy.nodes().forEach(function (node) {
      var p = node.position();
      var r = node.width() / 2;
      parts.push('<circle cx="' + p.x + '" cy="' + p.y + '" r="' + r + '" fill="' +
        (COLOURS[node.data("group")] || "#505a5f") + '" stroke="#0b0c0c"/>');
      parts.push('<text x="' + p.x + '" y="' + (p.y + r + 12) + '" font-size="11" text-anchor="middle">' +
        escapeXml(node.data("label")) + "</text>");
    });
    parts.push("</svg>");
    return new Blob([parts.join("")], { type: "image/svg+xml" });
  }

  function draw(section, data) {
    var container = section.querySelector("[data-link-chart-canvas]");
    var status = section.querySelector("[data-link-chart-status]");
    var elements = data.nodes.map(function (node) {
      return { group: "nodes", data: node };
    }).concat(data.edges.map(function (edge) {
      return { group: "edges", data: edge };
    }));
    section.hidden = false;
    var cy = window.cytoscape({
      container: container,
      elements: elements,
      wheelSensitivity: 0.3,
      style: [
        {
          selector: "node",
          style: {
            "background-color": function (node) { return COLOURS[node.data("group")] || "#505a5f"; },
            "border-width": 1,
            "border-color": "#0b0c0c",
            label: "data(label)",
            "font-size": 11,
            "text-valign": "bottom",
            "text-margin-y": 4,
            width: function (node) { return 18 + 4 * Math.min(node.data("young_people") || 1, 10); },
            height: function (node) { return 18 + 4 * Math.min(node.data("young_people") || 1, 10); }
          }
        },
        {
          selector: "edge",
          style: {
            "line-color": "#626a6e",
            width: function (edge) { return 1 + Math.min(edge.data("weight"), 6); },
            "curve-style": "haystack"
          }
        },
        { selector: "node:selected", style: { "border-width": 4, "border-color": "#ffdd00" } }
      ],
      layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 8000 }
    });
    cy.on("tap", "node", function (event) {
      var url = event.target.data("url");
      if (url) { window.location.assign(url); }
    });
    status.textContent = data.nodes.length + " entities and young people, " + data.edges.length +
      " links" + (data.truncated ? " (only the strongest links are drawn)" : "") + ".";
    section.querySelector('[data-export="png"]').addEventListener("click", function () {
      download("intelligence-picture.png", cy.png({ output: "blob", full: true, bg: "#ffffff", scale: 2 }));
    });
    section.querySelector('[data-export="svg"]').addEventListener("click", function () {
      download("intelligence-picture.svg", toSvg(cy));
    });
    section.cy = cy;
    section.setAttribute("data-link-chart-ready", String(data.nodes.length));
  }

  function start() {
    var section = document.querySelector("[data-link-chart]");
    if (!section || !window.cytoscape || !window.fetch) { return; }
    fetch(section.getAttribute("data-network-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      if (data.nodes.length) { draw(section, data); }
    }).catch(function () {
      // The tables below hold the same picture: the chart simply stays hidden.
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
