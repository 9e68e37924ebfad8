// Draws every chart of the statistics dashboard from its Vega-Lite spec, which the page
// carries in the chart's data-spec attribute (no inline script: see docs/security.md).
document.addEventListener("DOMContentLoaded", function () {
  var options = {actions: false, renderer: "svg"};
  // Vega's expressions run through its interpreter, not `new Function` (no 'unsafe-eval').
  options.ast = true;
  options.expr = vega.expressionInterpreter;
  if (document.documentElement.lang === "es") {
    options.formatLocale = {decimal: ",", thousands: ".", grouping: [3], currency: ["$", ""]};
  }
  document.querySelectorAll(".vega[data-spec]").forEach(function (el) {
    var spec = JSON.parse(el.dataset.spec);
    vegaEmbed(el, spec, options).then(function () {
      el.dataset.rendered = "1";
    }).catch(function (err) { el.textContent = String(err); });
  });
});
