// The comment table from the keyboard: j/k next and previous comment,
// 1-4 choose a disposition, x selects the open comment, / searches.
(function () {
  "use strict";
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-comment]"));
  }
  function step(by) {
    var all = rows();
    if (!all.length) return;
    var open = all.findIndex(function (row) { return row.classList.contains("is-open"); });
    var next = open < 0 ? 0 : Math.min(all.length - 1, Math.max(0, open + by));
    var link = all[next].querySelector("a.open-link");
    if (link && next !== open) window.location.href = link.href;
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    if (event.key === "j") { step(1); event.preventDefault(); }
    else if (event.key === "k") { step(-1); event.preventDefault(); }
    else if (event.key === "/") {
      var search = document.querySelector("[data-testid=search]");
      if (search) { search.focus(); event.preventDefault(); }
    } else if (event.key === "x") {
      var row = document.querySelector("tr.is-open input.pick");
      if (row) { row.checked = !row.checked; event.preventDefault(); }
    } else if (/^[1-4]$/.test(event.key)) {
      var radio = document.querySelector(".answer-form input[data-key='" + event.key + "']");
      if (radio) { radio.checked = true; radio.focus(); event.preventDefault(); }
    }
  });
  var open = document.querySelector("tr.is-open");
  if (open && open.scrollIntoView) open.scrollIntoView({ block: "nearest" });
  document.documentElement.dataset.triageReady = "1";
})();
// "Select every comment on this page".
(function () {
  "use strict";
  var all = document.querySelector("input.pick-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll("input.pick").forEach(function (box) { box.checked = all.checked; });
  });
})();
