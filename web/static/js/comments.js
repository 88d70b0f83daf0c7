// Comments in the margin: choose a passage or lines, compose, place threads
// beside their passage, highlight it, count down the window. No framework.
(function () {
  "use strict";
  const doc = document.querySelector("[data-testid=document]");
  const margin = document.querySelector("[data-testid=margin]");
  if (!doc || !margin) return;
  const form = document.getElementById("new-comment");

  // -- idempotency tokens and double-submit protection --------------------
  function token() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join("");
  }
  document.querySelectorAll("[data-client-token]").forEach((input) => { input.value = token(); });
  function guard(f) {
    f.addEventListener("submit", (event) => {
      const question = f.getAttribute("data-confirm");
      if (question && !window.confirm(question)) { event.preventDefault(); return; }
      if (f.dataset.sent) { event.preventDefault(); return; }
      f.dataset.sent = "1";
      f.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
    });
  }
  document.querySelectorAll("form").forEach(guard);

  // -- blocks and lines ------------------------------------------------------
  function blockOf(node) {
    let el = node && node.nodeType === 1 ? node : node && node.parentElement;
    let found = null;
    while (el && el !== doc) {
      if (el.hasAttribute && el.hasAttribute("data-line-start")) found = found || el;
      if (el.parentElement === doc && el.hasAttribute("data-line-start")) return el.tagName === "OL" || el.tagName === "UL" || el.tagName === "TABLE" ? (found || el) : el;
      el = el.parentElement;
    }
    return found;
  }
  function range(el) {
    return [parseInt(el.getAttribute("data-line-start"), 10), parseInt(el.getAttribute("data-line-end"), 10)];
  }

  // -- composing ------------------------------------------------------------
  let chosen = null;
  function describe(start, end, quote) {
    const where = start === end ? "line " + start : "lines " + start + "–" + end;
    if (!quote) return "On " + where + ".";
    const short = quote.length > 140 ? quote.slice(0, 140) + "…" : quote;
    return "On " + where + ": “" + short + "”";
  }
  function openForm(start, end, quote) {
    if (!form) return;
    form.elements.line_start.value = start;
    form.elements.line_end.value = end;
    form.elements.quote.value = quote || "";
    form.querySelector("[data-target]").textContent = describe(start, end, quote);
    form.classList.add("active");
    doc.querySelectorAll(".chosen").forEach((el) => el.classList.remove("chosen"));
    doc.querySelectorAll("[data-line-start]").forEach((el) => {
      const [s, e] = range(el);
      if (s >= start && e <= end && blockOf(el) === el) el.classList.add("chosen");
    });
    form.elements.body.focus();
  }
  if (form) {
    form.querySelector("[data-cancel]").addEventListener("click", () => {
      form.classList.remove("active");
      doc.querySelectorAll(".chosen").forEach((el) => el.classList.remove("chosen"));
      chosen = null;
    });
    const toggle = form.querySelector("[data-note-toggle]");
    if (toggle) toggle.addEventListener("change", () => {
      form.elements.kind.value = toggle.checked ? "note" : "comment";
      form.querySelector(".new-title").textContent = toggle.checked ? "New internal note" : "New comment";
    });
  }

  const bubble = document.createElement("button");
  bubble.type = "button";
  bubble.className = "comment-bubble";
  bubble.textContent = "Comment";
  bubble.hidden = true;
  document.body.appendChild(bubble);
  bubble.addEventListener("mousedown", (e) => e.preventDefault());
  bubble.addEventListener("click", () => {
    bubble.hidden = true;
    if (chosen) openForm(chosen.start, chosen.end, chosen.quote);
  });

  // A Chair placing a carried comment by hand: while its form is open, the
  // passage selected in the text fills it instead of offering a comment.
  function placing() {
    return document.querySelector("details[data-place][open]");
  }
  function fillPlace(open, start, end, quote) {
    const f = open.querySelector("form");
    f.elements.line_start.value = start;
    f.elements.line_end.value = end;
    f.elements.quote.value = quote;
    f.querySelector("[data-place-target]").textContent = describe(start, end, quote);
  }
  document.querySelectorAll("details[data-place]").forEach((d) => {
    d.addEventListener("toggle", () => {
      if (!d.open) return;
      document.querySelectorAll("details[data-place][open]").forEach((o) => { if (o !== d) o.open = false; });
    });
  });

  // A passage selected before this script ran (slow network) counts too.
  function onSelection() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !doc.contains(sel.anchorNode) || !doc.contains(sel.focusNode)) {
      bubble.hidden = true;
      return;
    }
    const a = blockOf(sel.anchorNode), b = blockOf(sel.focusNode);
    if (!a || !b) { bubble.hidden = true; return; }
    const [s1, e1] = range(a), [s2, e2] = range(b);
    const quote = sel.toString().replace(/\s+/g, " ").trim();
    if (!quote) { bubble.hidden = true; return; }
    const open = placing();
    if (open) { fillPlace(open, Math.min(s1, s2), Math.max(e1, e2), quote); bubble.hidden = true; return; }
    if (!doc.classList.contains("can-comment")) return;
    chosen = { start: Math.min(s1, s2), end: Math.max(e1, e2), quote: quote };
    const rect = sel.getRangeAt(0).getBoundingClientRect();
    bubble.style.top = (window.scrollY + rect.bottom + 6) + "px";
    bubble.style.left = (window.scrollX + rect.left) + "px";
    bubble.hidden = false;
  }
  if (doc.classList.contains("can-comment") || document.querySelector("details[data-place]")) {
    document.addEventListener("selectionchange", onSelection);
    // A click in the gutter (left of a block) chooses its lines; shift extends.
    let anchorLines = null;
    doc.addEventListener("click", (event) => {
      const el = blockOf(event.target);
      if (!el) return;
      const box = el.getBoundingClientRect();
      if (event.clientX >= box.left) return;
      const open = placing();
      if (!open && !doc.classList.contains("can-comment")) return;
      event.preventDefault();
      let [s, e] = range(el);
      if (event.shiftKey && anchorLines) {
        s = Math.min(s, anchorLines[0]);
        e = Math.max(e, anchorLines[1]);
      } else {
        anchorLines = [s, e];
      }
      if (open) fillPlace(open, s, e, "");
      else openForm(s, e, "");
    });
  }

  // -- highlighting and placing threads -------------------------------------
  function textNodes(root) {
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) out.push(walker.currentNode);
    return out;
  }
  function mark(root, quote, id) {
    const nodes = textNodes(root);
    let flat = "";
    const map = [];
    nodes.forEach((n, i) => {
      for (let k = 0; k < n.data.length; k++) {
        const ch = /\s/.test(n.data[k]) ? " " : n.data[k];
        if (ch === " " && flat.endsWith(" ")) continue;
        flat += ch;
        map.push([i, k]);
      }
    });
    const wanted = quote.replace(/\s+/g, " ").trim();
    const at = wanted ? flat.indexOf(wanted) : -1;
    if (at < 0) return false;
    const first = map[at], last = map[at + wanted.length - 1];
    for (let i = last[0]; i >= first[0]; i--) {
      const node = nodes[i];
      const from = i === first[0] ? first[1] : 0;
      const to = i === last[0] ? last[1] + 1 : node.data.length;
      if (to <= from) continue;
      const r = document.createRange();
      r.setStart(node, from);
      r.setEnd(node, to);
      const m = document.createElement("mark");
      m.className = "anchor-mark";
      m.dataset.for = id;
      r.surroundContents(m);
    }
    return true;
  }
  const threads = Array.from(margin.querySelectorAll(".threads > [data-testid=thread]"));
  threads.forEach((t) => {
    const s = parseInt(t.dataset.lineStart, 10), e = parseInt(t.dataset.lineEnd, 10);
    if (!s) return;
    const blocks = Array.from(doc.querySelectorAll("[data-line-start]")).filter((el) => {
      const [bs, be] = range(el);
      return blockOf(el) === el && be >= s && bs <= e;
    });
    let marked = false;
    if (t.dataset.quote) blocks.forEach((b) => { marked = marked || mark(b, t.dataset.quote, t.id); });
    if (!marked) blocks.forEach((b) => { b.classList.add("has-comment"); b.dataset.for = t.id; });
    t._block = blocks[0] || null;
  });
  function place() {
    if (window.matchMedia("(max-width: 1100px)").matches) return;
    const container = margin.querySelector(".threads");
    threads.forEach((t) => { t.style.marginTop = "0px"; });
    const base = container.getBoundingClientRect().top + window.scrollY;
    let bottom = 0;
    threads.forEach((t) => {
      if (!t._block) return;
      const want = t._block.getBoundingClientRect().top + window.scrollY - base;
      // .threads is position: relative, so offsetTop is measured from it.
      const gap = Math.max(0, Math.max(want, bottom) - t.offsetTop);
      t.style.marginTop = gap + "px";
      bottom = t.offsetTop + t.offsetHeight + 8;
    });
  }
  // -- narrow screens: each passage's threads fold under the passage ----------
  const narrow = window.matchMedia("(max-width: 1100px)");
  const container = margin.querySelector(".threads");
  const folds = new Map();
  function topBlock(el) {
    while (el && el.parentElement !== doc) el = el.parentElement;
    return el;
  }
  function fold() {
    if (narrow.matches) {
      threads.forEach((t) => {
        const top = topBlock(t._block);
        if (!top) return;
        let box = folds.get(top);
        if (!box) {
          box = document.createElement("details");
          box.className = "inline-threads";
          box.dataset.testid = "inline-threads";
          box.appendChild(document.createElement("summary"));
          top.after(box);
          folds.set(top, box);
        }
        box.appendChild(t);
      });
      folds.forEach((box) => {
        const n = box.querySelectorAll("[data-testid=thread]").length;
        box.firstElementChild.textContent = n + (n === 1 ? " comment" : " comments") + " on this passage";
      });
    } else if (folds.size) {
      threads.forEach((t) => container.appendChild(t));
      folds.forEach((box) => box.remove());
      folds.clear();
    }
  }
  fold();
  place();
  if (doc.classList.contains("can-comment")) onSelection();
  window.addEventListener("resize", place);
  narrow.addEventListener("change", () => { fold(); place(); });
  margin.addEventListener("toggle", place, true);

  function focusThread(id) {
    document.querySelectorAll(".active-thread").forEach((el) => el.classList.remove("active-thread"));
    const t = document.getElementById(id);
    if (!t) return;
    const box = t.closest("details.inline-threads");
    if (box) box.open = true;
    t.classList.add("active-thread");
    doc.querySelectorAll('[data-for="' + id + '"]').forEach((el) => el.classList.add("active-thread"));
  }
  doc.addEventListener("click", (event) => {
    const m = event.target.closest("[data-for]");
    if (m) { focusThread(m.dataset.for); document.getElementById(m.dataset.for).scrollIntoView({ block: "nearest", behavior: "smooth" }); }
  });
  document.addEventListener("mouseover", (event) => {
    const t = event.target.closest("[data-testid=thread]");
    if (t) focusThread(t.id);
  });
  if (location.hash.startsWith("#c")) focusThread(location.hash.slice(1));

  // -- replies: one form, copied under the thread on demand -----------------
  const replyTemplate = document.getElementById("reply-template");
  const base = form ? form.getAttribute("action") : null;
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-reply]");
    if (button && replyTemplate) {
      const thread = button.closest("[data-testid=thread]");
      if (thread.querySelector(".reply-form")) return;
      const copy = replyTemplate.content.firstElementChild.cloneNode(true);
      copy.action = (base || location.pathname.replace(/\/s\/.*$/, "/comments")) + "/" + button.dataset.reply + "/replies";
      copy.querySelector("[data-client-token]").value = token();
      guard(copy);
      copy.querySelector("[data-cancel-reply]").addEventListener("click", () => { copy.remove(); button.hidden = false; place(); });
      button.hidden = true;
      button.after(copy);
      copy.querySelector("textarea").focus();
      place();
    }
  });

  // -- countdown --------------------------------------------------------------
  const banner = document.querySelector("[data-closes]");
  if (banner) {
    const closes = new Date(banner.dataset.closes);
    const out = banner.querySelector(".countdown");
    const tick = () => {
      const left = closes - new Date();
      if (left <= 0) { out.textContent = "(closed: reload the page)"; return; }
      const d = Math.floor(left / 864e5), h = Math.floor(left / 36e5) % 24, m = Math.floor(left / 6e4) % 60;
      out.textContent = "(" + (d ? d + " day" + (d > 1 ? "s " : " ") : "") + h + " h " + m + " min left)";
    };
    tick();
    setInterval(tick, 30000);
  }
  // Tests and scripts wait for this before they select or click.
  doc.dataset.ready = "1";
})();
