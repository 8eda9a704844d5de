/* Draws the report's charts once plotly.js is there: inline as is (the PDF variant), or
   gzipped inline (the HTML file) and unpacked here, without any network. */
(function () {
  "use strict";
  var PRINT_WIDTH = 680; // px: the text width of an A4 page with the report's margins
  var nonce = document.currentScript ? document.currentScript.nonce : "";
  var template = JSON.parse(document.getElementById("chart-template").textContent);

  function charts() {
    return Array.prototype.slice.call(document.querySelectorAll("div.chart"));
  }

  function draw() {
    var fixed = document.documentElement.hasAttribute("data-print");
    try {
      var drawing = charts().map(function (target) {
        var figure = JSON.parse(document.getElementById(target.id + "-data").textContent);
        figure.layout.template = template;
        if (fixed) { figure.layout.width = PRINT_WIDTH; }
        return Plotly.newPlot(target, figure.data, figure.layout,
          { displayModeBar: false, responsive: !fixed });
      });
    } catch (error) {
      fail(String(error));
      return;
    }
    Promise.all(drawing).then(function () {
      document.documentElement.setAttribute("data-charts", "drawn");
    }, function (error) { fail(String(error)); });
  }

  function fail(reason) {
    charts().forEach(function (target) {
      target.textContent = "This browser could not draw the chart (" + reason + "); " +
        "the tables hold the same figures.";
      target.className = "chart-fallback";
    });
    document.documentElement.setAttribute("data-charts", "failed");
  }

  // A printout is narrower than the screen: draw the charts at the page's width, and back.
  window.addEventListener("beforeprint", function () {
    if (!window.Plotly) { return; }
    charts().forEach(function (target) { Plotly.relayout(target, { width: PRINT_WIDTH }); });
  });
  window.addEventListener("afterprint", function () {
    if (!window.Plotly) { return; }
    charts().forEach(function (target) {
      Plotly.relayout(target, { width: null, autosize: true });
    });
  });

  if (!charts().length) { return; }
  if (window.Plotly) { draw(); return; }
  var packed = document.getElementById("plotly-gzip");
  if (!packed || typeof DecompressionStream === "undefined") {
    fail("it cannot unpack the embedded plotly.js");
    return;
  }
  var text = atob(packed.textContent.trim());
  var bytes = new Uint8Array(text.length);
  for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function (source) {
    var script = document.createElement("script");
    script.nonce = nonce;
    script.textContent = source;
    document.head.appendChild(script);
    draw();
  }).catch(function (error) { fail(String(error)); });
})();
