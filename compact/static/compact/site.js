// Every page: a wide table scrolls inside its .table-wrap box (site.css), so the page itself never
// scrolls sideways on a phone. A table the server sent without one gets one here. A box that
// scrolls must be reachable by keyboard (WCAG 2.1.1) and say what it holds, so it becomes a
// focusable, named region while its content is wider than it, and an ordinary box when it fits.
(function () {
  "use strict";

  function wrap() {
    // Only the tables of the page as served: tables that page scripts draw later sit in their
    // own scrolling boxes (the browser page's .scroll), and their scripts keep references to them.
    for (const table of document.querySelectorAll("main table")) {
      if (table.closest(".table-wrap, .scroll")) continue;
      const box = document.createElement("div");
      box.className = "table-wrap";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    }
  }

  function nameOf(box) {
    const caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    for (let el = box.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) return el.textContent.trim();
    }
    const section = box.closest("section, figure");
    const heading = section && section.querySelector("h1, h2, h3, h4, figcaption");
    return heading ? heading.textContent.trim() : "Table";
  }

  function mark() {
    for (const box of document.querySelectorAll(".table-wrap")) {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", nameOf(box) + " (scrolls sideways)");
        box.dataset.scrollMarked = "1";
      } else if (!scrolls && box.dataset.scrollMarked) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scrollMarked;
      }
    }
  }

  let pending = 0;
  function later() {
    if (!pending) pending = window.requestAnimationFrame(function () { pending = 0; mark(); });
  }
  function start() { wrap(); mark(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.addEventListener("resize", later);
  // Pages that draw tables later (the browser page's results and comparison) are marked too.
  new MutationObserver(later).observe(document.documentElement, {childList: true, subtree: true});
})();
