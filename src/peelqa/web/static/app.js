// peelqa pages, made better with JavaScript; everything works without it.
//
// Chat page: questions go to POST /api/ask, with the report picker's choices,
// and their answers are appended to the conversation without a reload. The
// picker's summary and options come from the server (/fragments/picker);
// "Add a report" sends the file with the admin token and follows the job. Answers are built with DOM calls and
// textContent only (never innerHTML), so report or question text can never
// become markup. The markup mirrors templates/_answer.html and the helpers
// mirror web/present.py: change them together.
// Report page: the passage named in the URL's #fragment is highlighted and
// brought to the middle of the screen.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // ---------- small DOM helper ----------

  // el("a", {class: "x", href: "/"}, "text", childNode) -> element
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // ---------- mirrors of web/present.py ----------

  const GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"];

  function gradeClass(grade) {
    if (!GRADES.includes(grade)) return "grade-other";
    return "grade-" + grade.toLowerCase().replace(/ /g, "-");
  }

  function highlightPieces(text, spans) {
    const cleaned = [];
    const sorted = (spans || [])
      .filter((s) => Array.isArray(s) && s.length === 2)
      .map((s) => [Math.max(0, s[0]), Math.min(text.length, s[1])])
      .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    for (const span of sorted) {
      if (span[0] >= span[1]) continue;
      const last = cleaned[cleaned.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else cleaned.push(span);
    }
    const pieces = [];
    let at = 0;
    for (const [start, end] of cleaned) {
      if (start > at) pieces.push([text.slice(at, start), false]);
      pieces.push([text.slice(start, end), true]);
      at = end;
    }
    if (at < text.length) pieces.push([text.slice(at), false]);
    return pieces;
  }

  function answerPieces(text, citations) {
    const known = new Set(citations);
    const pieces = [];
    let at = 0;
    for (const match of text.matchAll(/\[(\d{1,3})\]/g)) {
      const number = Number(match[1]);
      if (!known.has(number)) continue;
      if (match.index > at) pieces.push([text.slice(at, match.index), null]);
      pieces.push([match[0], number]);
      at = match.index + match[0].length;
    }
    if (at < text.length) pieces.push([text.slice(at), null]);
    return pieces;
  }

  function listGroups(data) {
    const byRank = new Map(data.passages.map((p) => [p.rank, p]));
    const lead = data.answer.text.split("\n", 1)[0].trim();
    const groups = [];
    for (const sentence of data.answer.sentences) {
      const passage = byRank.get(sentence.citation) || null;
      const group = passage ? passage.group : null;
      const item = { text: sentence.text, citation: sentence.citation, passage: passage };
      const last = groups[groups.length - 1];
      if (last && last.group === group) last.items.push(item);
      else groups.push({ group: group, items: [item] });
    }
    return { lead: lead, groups: groups };
  }

  function citationText(p) {
    const quoted = highlightPieces(p.text, p.highlights).filter((piece) => piece[1]).map((piece) => piece[0].trim());
    const quote = quoted.length ? quoted.join(" … ") : p.text;
    const parts = ["“" + quote + "”", p.report.title, p.report.force];
    if (p.section.length) parts.push(p.section.join(" › "));
    parts.push("¶ " + p.paragraph);
    if (p.page !== null && p.page !== undefined) parts.push("p. " + p.page);
    return parts.join(", ") + ". " + window.location.origin + p.url;
  }

  // ---------- answers (mirror templates/_answer.html) ----------

  function gradeBadge(grade) {
    return el("span", { class: "grade " + gradeClass(grade), title: "Graded judgment: " + grade }, grade);
  }

  function citationLink(prefix, number) {
    return el("a", { class: "cite", href: "#" + prefix + "-c" + number, "aria-label": "citation " + number }, "[" + number + "]");
  }

  function sourceLink(p) {
    let label = "Original file";
    if (p.source.file.toLowerCase().endsWith(".pdf")) {
      label = p.page !== null && p.page !== undefined ? "Open the PDF at p. " + p.page : "Open the PDF";
    }
    return el("a", { class: "source-link", href: p.source.url }, label);
  }

  function fixed(value, digits) {
    return Number(value).toFixed(digits);
  }

  function renderSource(p, prefix, showScores) {
    const quote = el("blockquote", { class: "passage-text" });
    for (const [piece, marked] of highlightPieces(p.text, p.highlights)) {
      quote.append(marked ? el("mark", {}, piece) : document.createTextNode(piece));
    }
    let where = p.section.length ? p.section.join(" › ") + " · " : "";
    where += "¶ " + p.paragraph;
    if (p.page !== null && p.page !== undefined) where += " · p. " + p.page;
    if (p.kind === "footnote") where += " · footnote " + p.note_number;
    const scores = el(
      "details",
      { class: "scores", open: showScores },
      el("summary", {}, "Score " + fixed(p.score, 2)),
      el(
        "span",
        { class: "score-parts" },
        "meaning " + fixed(p.scores.dense, 3) + " · keywords " + fixed(p.scores.bm25, 2) + " · combined " + fixed(p.scores.fused, 3)
      )
    );
    return el(
      "li",
      { class: "source", id: prefix + "-c" + p.rank },
      el(
        "div",
        { class: "source-head" },
        el("span", { class: "cite-no" }, "[" + p.rank + "]"),
        " ",
        el("a", { class: "source-title", href: p.url }, p.report.title),
        " ",
        el("span", { class: "source-force" }, p.report.force),
        p.grade ? " " : null,
        p.grade ? gradeBadge(p.grade) : null
      ),
      el("p", { class: "where" }, where),
      quote,
      el(
        "div",
        { class: "source-actions" },
        el("a", { class: "read-link", href: p.url }, "Read in the report"),
        " ",
        sourceLink(p),
        " ",
        el("button", { type: "button", class: "copy-citation", "data-citation": citationText(p) }, "Copy citation"),
        " ",
        scores
      )
    );
  }

  function renderAnswer(data, prefix) {
    const a = data.answer;
    const parts = [];
    if (!a.found) {
      parts.push(
        el(
          "p",
          { class: "notice not-found" },
          el("strong", {}, "Nothing relevant found."),
          " The reports do not seem to answer this question. The nearest passages are listed below with their scores, in case they help."
        )
      );
    } else if (a.kind === "list" || a.kind === "grades") {
      const shaped = listGroups(data);
      parts.push(el("p", { class: "answer-lead" }, shaped.lead));
      for (const { group, items } of shaped.groups) {
        if (group) parts.push(el("h3", { class: "answer-group" }, group));
        const list = el("ul", { class: "answer-list" });
        for (const item of items) {
          const p = item.passage;
          list.append(
            el(
              "li",
              {},
              p && p.kind === "judgment" && p.grade ? gradeBadge(p.grade) : null,
              p && p.kind === "judgment" && p.grade ? " " : null,
              item.text + " ",
              citationLink(prefix, item.citation)
            )
          );
        }
        parts.push(list);
      }
    } else {
      if (a.kind === "judgment" && data.passages.length && data.passages[0].grade) {
        parts.push(el("p", { class: "answer-grade" }, "Graded ", gradeBadge(data.passages[0].grade)));
      }
      const text = el("p", { class: "answer-text" });
      for (const [piece, number] of answerPieces(a.text, data.passages.map((p) => p.rank))) {
        text.append(number ? citationLink(prefix, number) : document.createTextNode(piece));
      }
      parts.push(text);
    }
    if (data.passages.length) {
      parts.push(el("h3", { class: "sources-title" }, a.found ? "Cited passages" : "Nearest passages"));
      const sources = el("ol", { class: "sources" });
      for (const p of data.passages) sources.append(renderSource(p, prefix, !a.found));
      parts.push(sources);
    }
    parts.push(el("p", { class: "took" }, "Answered in " + fixed(data.took_ms, 0) + " ms"));
    return parts;
  }

  function renderError(status, message) {
    const title =
      status === 503
        ? "The reports cannot be searched right now."
        : status >= 400 && status < 500
          ? "Please check your question."
          : "Something went wrong.";
    // no role=alert: the chat's live region announces it once
    return el("p", { class: "notice error" }, el("strong", {}, title), " " + message);
  }

  // ---------- the report picker ----------

  // The picker's choices as the JSON ask takes them: blank means "any", so it is left out.
  function pickerChoices() {
    const choices = {};
    for (const [name, id] of [["report", "pick-report"], ["force", "pick-force"], ["year", "pick-year"]]) {
      const select = document.getElementById(id);
      if (!select || !select.value) continue;
      choices[name] = name === "year" ? Number(select.value) : select.value;
    }
    return choices;
  }

  // The server-rendered picker for these choices (one renderer: templates/_picker.html).
  async function fetchPicker() {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(pickerChoices())) query.set(name, String(value));
    const response = await fetch("/fragments/picker?" + query.toString(), { headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error("status " + response.status);
    const fragment = new DOMParser().parseFromString(await response.text(), "text/html");
    return fragment.getElementById("picker");
  }

  // Show which reports the current choices search.
  async function refreshScope() {
    try {
      const fresh = await fetchPicker();
      const scope = document.getElementById("scope");
      const replacement = fresh && fresh.querySelector("#scope");
      if (scope && replacement) scope.replaceWith(document.importNode(replacement, true));
    } catch (_) {
      // the summary stays as it was; the question will still be asked with the choices made
    }
  }

  // New options after a report is added or removed; the choices made are kept where still offered.
  async function refreshPicker() {
    const fresh = await fetchPicker();
    const picker = document.getElementById("picker");
    if (!fresh) return;
    const imported = document.importNode(fresh, true);
    if (picker) picker.replaceWith(imported);
    else document.getElementById("ask-form").prepend(imported);
  }

  function initPicker() {
    document.addEventListener("change", (event) => {
      if (event.target.closest && event.target.closest("#picker select")) refreshScope();
    });
  }

  // ---------- adding a report ----------

  function initAddReport() {
    const box = document.getElementById("add-report");
    const form = document.getElementById("add-form");
    if (!box || !form) return;
    box.hidden = false; // it needs this script: the token travels in a header
    const button = document.getElementById("add-button");
    const job = document.getElementById("add-job");
    const bar = document.getElementById("add-progress");
    const message = document.getElementById("add-message");

    function show(text, fraction, state) {
      job.hidden = false;
      job.dataset.state = state;
      message.textContent = text;
      if (fraction === null) bar.removeAttribute("value");
      else bar.value = fraction;
      job.scrollIntoView({ block: "nearest" });
    }

    function sleep(ms) {
      return new Promise((resolve) => setTimeout(resolve, ms));
    }

    async function follow(url) {
      for (;;) {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        const body = await response.json();
        if (!response.ok) throw new Error(body.error ? body.error.message : "status " + response.status);
        const current = body.job;
        if (current.state === "done" || current.state === "failed") return current;
        show(current.state === "queued" ? "Waiting for the worker…" : capitalise(current.message) + "…", current.progress, current.state);
        await sleep(700);
      }
    }

    function capitalise(text) {
      return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const token = String(data.get("token") || "");
      data.delete("token"); // it goes in the Authorization header, never in the body
      button.disabled = true;
      show("Sending the file…", null, "sending");
      try {
        const response = await fetch(form.action, {
          method: "POST",
          headers: { Authorization: "Bearer " + token, Accept: "application/json" },
          body: data,
        });
        const body = await response.json();
        if (response.status !== 202) {
          show(body.error ? body.error.message : "The server answered with status " + response.status + ".", 0, "failed");
          return;
        }
        const finished = await follow(response.headers.get("Location") || "/api/jobs/" + body.job.id);
        if (finished.state === "failed") {
          show("Not added: " + finished.message, 0, "failed");
          return;
        }
        await refreshPicker();
        show(capitalise(finished.message) + ". It is in the report picker now.", 1, "done");
        form.querySelector("#add-file").value = "";
      } catch (error) {
        show("Could not add the report: " + error.message, 0, "failed");
      } finally {
        button.disabled = false;
      }
    });
  }

  // ---------- the chat page ----------

  function initChat() {
    const form = document.getElementById("ask-form");
    const input = document.getElementById("q");
    const button = document.getElementById("ask-button");
    const conversation = document.getElementById("conversation");
    const intro = document.getElementById("intro");
    const status = document.getElementById("status");
    if (!form || !input || !conversation) return;

    // one polite live region, so screen readers hear progress without rereading the page
    function announce(message) {
      if (status) status.textContent = message;
    }
    let asked = conversation.children.length; // a server-rendered answer counts
    let busy = false;

    async function ask(question) {
      if (busy || !question.trim()) return;
      busy = true;
      button.disabled = true;
      asked += 1;
      const prefix = "a" + asked;
      if (intro) intro.hidden = true;
      const loading = el("p", { class: "loading", role: "status" }, el("span", { class: "spinner", "aria-hidden": "true" }), "Searching the reports…");
      const answer = el("section", { class: "bubble bubble-answer", "aria-label": "Answer", "aria-busy": "true" }, loading);
      const item = el(
        "li",
        { class: "exchange", id: prefix },
        el("div", { class: "bubble bubble-question" }, el("span", { class: "visually-hidden" }, "You asked: "), question),
        answer
      );
      conversation.append(item);
      item.scrollIntoView({ block: "start" });
      announce("Searching the reports…");
      let parts;
      try {
        const response = await fetch("/api/ask", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(Object.assign({ question: question }, pickerChoices())),
        });
        let body = null;
        try {
          body = await response.json();
        } catch (_) {
          body = null;
        }
        if (response.ok && body && body.answer) {
          parts = renderAnswer(body, prefix);
          announce(body.answer.found ? "Answer ready, citing " + body.passages.length + " passages." : "Nothing relevant found.");
        } else {
          const message = body && body.error ? body.error.message : "The server answered with status " + response.status + ".";
          parts = [renderError(response.status, message)];
          announce(message);
        }
      } catch (_) {
        const message = "Could not reach the peelqa server. Check that it is running, then try again.";
        parts = [renderError(0, message)];
        announce(message);
      }
      answer.replaceChildren(...parts);
      answer.removeAttribute("aria-busy");
      item.scrollIntoView({ block: "start" });
      busy = false;
      button.disabled = false;
      input.focus();
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const question = input.value;
      if (!question.trim()) {
        input.focus();
        return;
      }
      input.value = "";
      ask(question);
    });

    input.addEventListener("keydown", (event) => {
      // Enter asks; Shift+Enter is a new line; never interrupt an IME composition
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });

    document.addEventListener("click", (event) => {
      const link = event.target.closest("a.suggestion");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      ask(link.dataset.question || link.textContent);
    });
  }

  // ---------- copy citation (both pages' answers) ----------

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // older browsers and plain-http hosts other than localhost
    const area = el("textarea", { class: "visually-hidden", readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    if (!ok) throw new Error("copy refused");
  }

  function initCopy() {
    for (const button of document.querySelectorAll(".copy-citation")) button.hidden = false;
    document.addEventListener("click", async (event) => {
      const button = event.target.closest(".copy-citation");
      if (!button) return;
      const label = "Copy citation";
      try {
        await copyText(button.dataset.citation);
        button.textContent = "Copied ✓";
      } catch (_) {
        button.textContent = "Copy failed";
      }
      setTimeout(() => {
        button.textContent = label;
      }, 2000);
    });
  }

  // ---------- the report page ----------

  function initReport() {
    if (!document.body.classList.contains("page-report")) return;
    function showTarget() {
      let id;
      try {
        id = decodeURIComponent(window.location.hash.slice(1));
      } catch (_) {
        return;
      }
      for (const old of document.querySelectorAll(".is-target")) old.classList.remove("is-target");
      const target = id && document.getElementById(id);
      if (!target || !target.classList.contains("passage")) return;
      target.classList.add("is-target");
      // the middle of the screen, not under the top edge, and focus for keyboard users
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    }
    showTarget();
    window.addEventListener("hashchange", showTarget);
  }

  initChat();
  initPicker();
  initAddReport();
  initCopy();
  initReport();
})();
