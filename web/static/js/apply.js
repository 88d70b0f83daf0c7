// The call's form: shows only the questions the chosen stakeholder category
// needs (without this script every question shows, each saying whom it is
// for), the candidacy's questions once a candidacy is chosen, and deadlines
// in the reader's own time zone.
(function () {
  "use strict";

  function showFor(form) {
    const chosen = form.querySelector("input[name=category]:checked");
    const category = chosen ? chosen.value : "";
    form.querySelectorAll("[data-categories]").forEach(function (part) {
      const wanted = part.getAttribute("data-categories").split(" ");
      part.hidden = !category || wanted.indexOf(category) < 0;
    });
    form.querySelectorAll("[data-no-category]").forEach(function (note) {
      note.hidden = Boolean(category);
    });
    const stand = form.querySelector("input[name=candidacy]:checked");
    const standing = stand ? stand.value !== "" : false;
    form.querySelectorAll("[data-candidacy]").forEach(function (part) {
      part.hidden = !standing;
    });
    form.querySelectorAll("[data-needed-for]").forEach(function (note) {
      note.hidden = true; // the script shows the right questions instead
    });
  }

  const form = document.querySelector("[data-apply-form]");
  if (form) {
    form.addEventListener("change", function (event) {
      const name = event.target && event.target.name;
      if (name === "category" || name === "candidacy") {
        showFor(form);
      }
    });
    showFor(form);
  }

  document.querySelectorAll("time[data-local]").forEach(function (node) {
    const when = new Date(node.getAttribute("datetime"));
    const out = document.getElementById(node.getAttribute("data-local"));
    if (!out || isNaN(when.getTime())) {
      return;
    }
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const text = when.toLocaleString(undefined, {
      weekday: "long", day: "numeric", month: "long", year: "numeric",
      hour: "2-digit", minute: "2-digit",
    });
    out.textContent = "That is " + text + " where you are (" + zone + ").";
    out.hidden = false;
  });
})();
