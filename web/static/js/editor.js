// Section editor: line numbers, live preview, work kept in this browser until
// saved, a question before leaving with unsaved changes; the review page keeps
// its text too; the resolution view's choices. No framework, no inline JS.
(function () {
  "use strict";

  var PREFIX = "cop-drafts:draft:";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  // -- work kept in the browser (localStorage) -------------------------------
  var storage = {
    key: function (code, path, base) { return PREFIX + code + "/" + path + "@" + base; },
    get: function (key) {
      try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
    },
    put: function (key, value) {
      try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full or private mode */ }
    },
    remove: function (key) {
      try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
    },
    newest: function (code, path) {
      // The most recent draft of this section, whatever version it started from.
      var prefix = PREFIX + code + "/" + path + "@";
      var best = null;
      try {
        for (var i = 0; i < window.localStorage.length; i++) {
          var k = window.localStorage.key(i);
          if (k && k.indexOf(prefix) === 0) {
            var v = storage.get(k);
            if (v && (!best || v.savedAt > best.savedAt)) { best = v; best.key = k; }
          }
        }
      } catch (e) { return null; }
      return best;
    }
  };

  function when(ms) {
    var d = new Date(ms);
    return d.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  }

  // -- line numbers ----------------------------------------------------------
  function LineNumbers(textarea, gutter) {
    var inner = document.createElement("div");
    inner.className = "gutter-inner";
    gutter.appendChild(inner);
    var measure = document.createElement("div");
    measure.className = "measure";
    document.body.appendChild(measure);
    var current = 0;

    function render() {
      var lines = textarea.value.split("\n");
      var style = window.getComputedStyle(textarea);
      var width = textarea.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      measure.style.width = width + "px";
      var html = [];
      for (var i = 0; i < lines.length; i++) {
        html.push("<div>" + (lines[i] ? lines[i].replace(/&/g, "&amp;").replace(/</g, "&lt;") : "\u200b") + "</div>");
      }
      measure.innerHTML = html.join("");
      var heights = Array.prototype.map.call(measure.children, function (el) { return el.offsetHeight; });
      measure.innerHTML = "";
      // Elements with CSSOM heights: the CSP forbids inline style attributes.
      var rows = document.createDocumentFragment();
      for (var n = 0; n < lines.length; n++) {
        var row = document.createElement("div");
        row.textContent = String(n + 1);
        row.style.height = heights[n] + "px";
        rows.appendChild(row);
      }
      inner.replaceChildren(rows);
      current = 0;
      sync();
    }

    function sync() { gutter.scrollTop = textarea.scrollTop; }

    function highlight(line) {
      if (line === current) { return; }
      var rows = inner.children;
      if (rows[current - 1]) { rows[current - 1].classList.remove("current"); }
      if (rows[line - 1]) { rows[line - 1].classList.add("current"); }
      current = line;
    }

    textarea.addEventListener("scroll", sync);
    window.addEventListener("resize", debounce(render, 150));
    return { render: render, highlight: highlight };
  }

  function cursorLine(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var line = before.split("\n").length;
    var column = before.length - before.lastIndexOf("\n");
    return { line: line, column: column };
  }

  function goToLine(textarea, line) {
    var lines = textarea.value.split("\n");
    line = Math.max(1, Math.min(line, lines.length));
    var start = 0;
    for (var i = 0; i < line - 1; i++) { start += lines[i].length + 1; }
    textarea.focus();
    textarea.setSelectionRange(start, start + lines[line - 1].length);
    // Put the line about a third of the way down the box.
    var ratio = start / Math.max(1, textarea.value.length);
    textarea.scrollTop = Math.max(0, ratio * textarea.scrollHeight - textarea.clientHeight / 3);
  }

  // -- the editor page ---------------------------------------------------------
  function Editor(form) {
    var textarea = form.querySelector("textarea[name=text]");
    var message = form.querySelector("textarea[name=message]");
    var baseInput = form.querySelector("input[name=base]");
    var draftInput = form.querySelector("input[name=draft]");
    var preview = document.querySelector("[data-testid=preview]");
    var state = document.querySelector(".js-preview-state");
    var cursor = form.querySelector(".js-cursor");
    var notice = document.querySelector(".draft-notice");
    var code = form.dataset.code, path = form.dataset.path;
    var saved = { text: textarea.value, message: message.value, base: baseInput.value };
    var original = saved.text;
    var unsaved = form.dataset.unsaved === "1";
    var submitting = false;
    var numbers = LineNumbers(textarea, form.querySelector(".gutter"));
    var pending = null;

    function key() { return storage.key(code, path, draftInput.value); }

    function keep() {
      if (textarea.value === original && !message.value.trim() && !unsaved) {
        storage.remove(key());
        return;
      }
      storage.put(key(), {
        text: textarea.value, message: message.value,
        base: baseInput.value, savedAt: Date.now()
      });
    }
    var keepSoon = debounce(keep, 300);

    function dirty() { return unsaved || textarea.value !== original; }

    function restore() {
      if (form.dataset.cleared) {
        storage.remove(storage.key(code, path, form.dataset.cleared));
      }
      var found = storage.newest(code, path);
      if (!found || (found.text === textarea.value && found.message === message.value)) {
        return;
      }
      textarea.value = found.text;
      message.value = found.message || "";
      baseInput.value = found.base;
      draftInput.value = found.key.slice(found.key.lastIndexOf("@") + 1);
      unsaved = true;
      var what = notice.querySelector(".js-restored-what");
      var text = "Your text from " + when(found.savedAt) + " was never saved; it is back in the editor.";
      if (found.base !== saved.base) {
        text += " The section has changed since you started: saving merges your work with the newer version.";
      }
      what.textContent = text;
      notice.hidden = false;
    }

    function discard() {
      storage.remove(key());
      textarea.value = saved.text;
      message.value = saved.message;
      baseInput.value = saved.base;
      draftInput.value = saved.base;
      original = saved.text;
      unsaved = false;
      notice.hidden = true;
      numbers.render();
      refreshPreview();
    }

    function refreshPreview() {
      if (pending) { pending.abort(); }
      pending = new AbortController();
      state.textContent = "updating…";
      state.classList.add("stale");
      var body = new FormData();
      body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
      body.append("text", textarea.value);
      fetch(form.dataset.previewUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json" }, signal: pending.signal
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.status === 413 ? "the text is too large" : "error " + response.status); }
        return response.json();
      }).then(function (data) {
        // Sanitised on the server by text.render (no raw HTML, allow-list).
        preview.innerHTML = data.html;
        state.textContent = "as the section page will show it";
        state.classList.remove("stale");
        followCursor(true);
      }).catch(function (error) {
        if (error.name === "AbortError") { return; }
        state.textContent = "preview not updated (" + error.message + "); your text is safe";
      });
    }
    var previewSoon = debounce(refreshPreview, 400);

    var lastLine = 0;
    function followCursor(force) {
      var pos = cursorLine(textarea);
      cursor.textContent = "Line " + pos.line + ", column " + pos.column;
      numbers.highlight(pos.line);
      if (pos.line === lastLine && !force) { return; }
      lastLine = pos.line;
      var blocks = preview.querySelectorAll("[data-line-start]");
      var match = null;
      for (var i = 0; i < blocks.length; i++) {
        var start = parseInt(blocks[i].dataset.lineStart, 10);
        if (start <= pos.line) { match = blocks[i]; } else { break; }
      }
      preview.querySelectorAll(".preview-current").forEach(function (el) { el.classList.remove("preview-current"); });
      if (match && document.activeElement === textarea) {
        match.classList.add("preview-current");
        var top = match.offsetTop - preview.offsetTop;
        if (top < preview.scrollTop || top > preview.scrollTop + preview.clientHeight - 40) {
          preview.scrollTop = Math.max(0, top - preview.clientHeight / 3);
        }
      }
    }

    textarea.addEventListener("input", function () {
      keepSoon();
      previewSoon();
      numbers.render();
      followCursor(false);
    });
    message.addEventListener("input", keepSoon);
    ["keyup", "click", "focus"].forEach(function (type) {
      textarea.addEventListener(type, function () { followCursor(false); });
    });
    notice.querySelector(".js-discard-draft").addEventListener("click", discard);

    var upload = form.querySelector("input[type=file]");
    upload.addEventListener("change", function () {
      var hint = form.querySelector(".js-upload-hint");
      var file = upload.files && upload.files[0];
      var limit = parseInt(form.dataset.limit, 10);
      if (file && file.size > limit) {
        hint.textContent = file.name + " is " + (file.size / 1048576).toFixed(1) +
          " MB; a section may be at most " + Math.round(limit / 1048576) + " MB. Choose a smaller file.";
        hint.classList.add("error");
        upload.value = "";
      } else if (file) {
        hint.textContent = file.name + " will replace the text above. Review the changes or save.";
        hint.classList.remove("error");
      }
    });

    form.addEventListener("submit", function () {
      keep();
      submitting = true;
    });
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") {
        event.preventDefault();
        form.querySelector("button[data-testid=save]").click();
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && dirty()) {
        keep();
        event.preventDefault();
        event.returnValue = "";
      }
    });

    function fromHash() {
      var m = /^#line-(\d+)$/.exec(window.location.hash);
      if (m) { goToLine(textarea, parseInt(m[1], 10)); followCursor(true); }
    }
    window.addEventListener("hashchange", fromHash);

    restore();
    numbers.render();
    refreshPreview();
    fromHash();
  }

  // -- the review page keeps its text for "back to the editor" ------------------
  function ReviewKeeper(form) {
    var text = form.querySelector("textarea[name=text]");
    var message = form.querySelector("textarea[name=message]");
    var base = form.querySelector("input[name=base]");
    var key = storage.key(form.dataset.code, form.dataset.path, form.dataset.base);
    function keep() {
      storage.put(key, { text: text.value, message: message.value, base: base.value, savedAt: Date.now() });
    }
    keep();
    message.addEventListener("input", debounce(keep, 300));
  }

  // -- the resolution view ----------------------------------------------------
  // The choices are plain radio buttons the server reads; the script only
  // marks decided passages, puts the cursor in the wording box when Edit is
  // chosen, and asks before leaving with choices not yet saved.
  function ResolveForm(form) {
    // Choices already sent once (the text is shown) are not saved yet either.
    var changed = form.querySelector("input[type=radio]:checked") !== null;
    var submitting = false;
    function mark(clash) {
      var picked = clash.querySelector("input[type=radio]:checked");
      clash.classList.toggle("decided", !!picked);
    }
    form.querySelectorAll(".clash").forEach(mark);
    // The text as it will read is long: open its box at the first change.
    form.querySelectorAll(".resolution-preview .doc").forEach(function (box) {
      var first = box.querySelector("ins, del");
      if (first) {
        box.scrollTop += first.getBoundingClientRect().top - box.getBoundingClientRect().top - 40;
      }
    });
    form.addEventListener("change", function (event) {
      var input = event.target;
      var clash = input.closest(".clash");
      if (!clash) { return; }
      changed = true;
      mark(clash);
      if (input.type === "radio" && input.value === "edit") {
        var box = clash.querySelector(".edit-box textarea");
        if (box) { box.focus(); }
      }
    });
    form.addEventListener("input", function () { changed = true; });
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (changed && !submitting) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  function start() {
    var form = document.getElementById("editor-form");
    if (form) { Editor(form); }
    var review = document.querySelector("form[data-store-draft]");
    if (review) { ReviewKeeper(review); }
    var resolve = document.querySelector("form.resolve-form");
    if (resolve) { ResolveForm(resolve); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
