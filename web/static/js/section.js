// #line-N in the address scrolls to the block holding source line N and
// marks it (links from consistency checks and diffs use it).
(function () {
  "use strict";
  const doc = document.querySelector("[data-testid=document]");
  if (!doc) return;
  function show() {
    const match = /^#line-(\d+)$/.exec(location.hash);
    if (!match) return;
    const line = parseInt(match[1], 10);
    let best = null;
    doc.querySelectorAll("[data-line-start]").forEach((el) => {
      const s = parseInt(el.dataset.lineStart, 10), e = parseInt(el.dataset.lineEnd, 10);
      if (s <= line && line <= e && (!best || el.contains(best) === false)) best = el;
    });
    if (!best) return;
    doc.querySelectorAll(".line-target").forEach((el) => el.classList.remove("line-target"));
    best.classList.add("line-target");
    best.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", show);
  show();
})();
