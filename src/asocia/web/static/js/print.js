// A link marked data-print prints the page (no inline onclick: see docs/security.md).
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-print]");
  if (link) {
    event.preventDefault();
    window.print();
  }
});
