// Redline and source-diff pages: step through changes, open folds on demand.
// Keys n / j: next change, p / k: previous. Buttons: .js-next-change,
// .js-prev-change, .js-expand-all. No framework; works on any page that holds
// elements with class "rl-change" (changes carry ids usable as fragments).
(function () {
  "use strict";

  var current = -1;

  function changes() {
    return Array.prototype.slice.call(document.querySelectorAll(".rl-change"));
  }

  function openFolds(element) {
    // A change inside a folded stretch (<details>) must be visible first.
    var node = element;
    while (node) {
      if (node.tagName === "DETAILS" && !node.open) {
        node.open = true;
      }
      node = node.parentElement;
    }
  }

  function show(index) {
    var list = changes();
    if (!list.length) {
      return;
    }
    current = Math.max(0, Math.min(index, list.length - 1));
    var target = list[current];
    list.forEach(function (el) { el.classList.remove("rl-current"); });
    openFolds(target);
    target.classList.add("rl-current");
    target.scrollIntoView({ block: "center" });
    if (target.id && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "#" + target.id);
    }
    updatePosition(list.length);
  }

  function updatePosition(total) {
    var label = document.querySelector(".js-change-position");
    if (label) {
      if (!total) {
        label.textContent = "no changes";
      } else if (current < 0) {
        // data-unit names what is counted: "change" in the redline, a
        // changed passage of lines in the source views.
        var unit = label.getAttribute("data-unit") || "change";
        label.textContent = total + " " + unit + (total === 1 ? "" : "s");
      } else {
        label.textContent = (current + 1) + " of " + total;
      }
    }
  }

  function nearestIndex(forward) {
    // Without a current change, start from what is on screen.
    var list = changes();
    if (current >= 0) {
      return current + (forward ? 1 : -1);
    }
    for (var i = 0; i < list.length; i++) {
      if (list[i].getBoundingClientRect().top > 0) {
        return forward ? i : i - 1;
      }
    }
    return forward ? list.length - 1 : list.length - 1;
  }

  function next() { show(nearestIndex(true)); }
  function previous() { show(nearestIndex(false)); }

  function expandAll() {
    document.querySelectorAll("details.rl-fold, details.sd-fold").forEach(
      function (el) { el.open = true; }
    );
  }

  function openFragment() {
    updatePosition(changes().length);
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) {
      return;
    }
    var target = document.getElementById(id);
    if (!target) {
      return;
    }
    openFolds(target);
    var list = changes();
    var index = list.indexOf(target);
    if (index >= 0) {
      current = index;
      target.classList.add("rl-current");
      updatePosition(list.length);
    }
    target.scrollIntoView({ block: "center" });
  }

  function typing(event) {
    var el = event.target;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) {
      return;
    }
    if (event.key === "n" || event.key === "j") {
      event.preventDefault();
      next();
    } else if (event.key === "p" || event.key === "k") {
      event.preventDefault();
      previous();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(
      ".js-next-change, .js-prev-change, .js-expand-all"
    );
    if (!button) {
      return;
    }
    event.preventDefault();
    if (button.classList.contains("js-next-change")) {
      next();
    } else if (button.classList.contains("js-prev-change")) {
      previous();
    } else {
      expandAll();
    }
  });

  window.addEventListener("hashchange", openFragment);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openFragment);
  } else {
    openFragment();
  }
})();
