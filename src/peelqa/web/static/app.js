// peelqa pages, made better with JavaScript; everything works without it.
//
// Chat page: each question is answered by the server, which renders the
// exchange (question, answer, charts, citations) with the same template as
// the page itself; the script fetches it from /fragments/answer and inserts
// it, so answers are rendered in one place only. The query is the ask form's
// own fields (the picker's choices and the conversation's history, hidden
// fields that the script keeps), exactly what the form sends without
// JavaScript. "New conversation" clears both; "Download conversation" saves
// the Markdown the server wrote for each exchange; copy buttons copy the text
// the server put in their data-copy. The picker's summary and options come
// from /fragments/picker; "Add a report" sends the file with the admin token
// and follows the job. Server HTML is parsed with DOMParser (scripts in it
// never run) and imported; text the script writes goes in with textContent.
// Report page: the passage named in the URL's #fragment is highlighted and
// brought to the middle of the screen.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // The server's HTML as an inert document (its scripts never run).
  function parseHtml(text) {
    return new DOMParser().parseFromString(text, "text/html");
  }

  // ---------- the report picker ----------

  // The server-rendered picker for the choices made (one renderer: templates/_picker.html).
  async function fetchPicker() {
    const query = new URLSearchParams();
    for (const select of document.querySelectorAll("#picker select")) {
      if (select.value) query.set(select.name, select.value); // blank means "any"
    }
    const response = await fetch("/fragments/picker?" + query.toString(), { headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error("status " + response.status);
    return parseHtml(await response.text()).getElementById("picker");
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

  function fromTemplate(id) {
    const template = document.getElementById(id);
    return template.content.firstElementChild.cloneNode(true);
  }

  function initChat() {
    const form = document.getElementById("ask-form");
    const input = document.getElementById("q");
    const button = document.getElementById("ask-button");
    const conversation = document.getElementById("conversation");
    const intro = document.getElementById("intro");
    const status = document.getElementById("status");
    const historyFields = document.getElementById("history-fields");
    const tools = document.getElementById("conversation-tools");
    if (!form || !input || !conversation || !historyFields) return;

    // one polite live region, so screen readers hear progress without rereading the page
    function announce(message) {
      if (status) status.textContent = message;
    }
    let asked = conversation.children.length; // a server-rendered answer counts
    let busy = false;

    function showTools() {
      if (tools) tools.hidden = conversation.children.length === 0 && historyFields.children.length === 0;
    }

    // The conversation's history lives in the form's hidden fields, as without JavaScript.
    function remember(question) {
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = "history";
      field.value = question;
      historyFields.append(field);
      const most = Number(historyFields.dataset.max) || 20;
      while (historyFields.children.length > most) historyFields.firstElementChild.remove();
    }

    function failed(item, message) {
      const notice = fromTemplate("exchange-failed");
      notice.removeAttribute("role"); // the live region announces it, once
      notice.querySelector(".notice-message").textContent = message;
      const answer = item.querySelector(".bubble-answer");
      answer.replaceChildren(notice);
      answer.removeAttribute("aria-busy");
      announce(message);
    }

    async function ask(question) {
      if (busy || !question.trim()) return;
      busy = true;
      button.disabled = true;
      asked += 1;
      if (intro) intro.hidden = true;
      const query = new URLSearchParams(new FormData(form));
      query.set("q", question);
      query.set("n", String(asked));
      const waiting = fromTemplate("exchange-waiting");
      waiting.id = "a" + asked;
      waiting.querySelector(".question-text").textContent = question;
      conversation.append(waiting);
      showTools();
      waiting.scrollIntoView({ block: "start" });
      announce("Searching the reports…");
      let item = waiting;
      try {
        const response = await fetch("/fragments/answer?" + query.toString(), { headers: { Accept: "text/html" } });
        const fresh = parseHtml(await response.text()).querySelector("li.exchange");
        if (fresh) {
          item = document.importNode(fresh, true);
          for (const alert of item.querySelectorAll('[role="alert"]')) alert.removeAttribute("role"); // announced below
          waiting.replaceWith(item);
          if (item.dataset.history) remember(item.dataset.history);
          announce(item.dataset.status || "");
        } else {
          failed(waiting, "The server answered with status " + response.status + ".");
        }
      } catch (_) {
        failed(waiting, "Could not reach the peelqa server. Check that it is running, then try again.");
      }
      item.scrollIntoView({ block: "start" });
      busy = false;
      button.disabled = false;
      input.focus();
    }

    function startOver() {
      conversation.replaceChildren();
      historyFields.replaceChildren();
      const earlier = document.getElementById("earlier");
      if (earlier) earlier.remove();
      asked = 0;
      if (intro) intro.hidden = false;
      showTools();
      if (window.location.search) window.history.replaceState(null, "", window.location.pathname);
      input.value = "";
      input.focus();
      announce("New conversation.");
    }

    function download() {
      const parts = [conversation.dataset.markdownHead || ""];
      for (const item of conversation.querySelectorAll("li.exchange[data-markdown]")) parts.push(item.dataset.markdown);
      const blob = new Blob([parts.join("\n\n")], { type: "text/markdown;charset=utf-8" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "peelqa-conversation-" + new Date().toISOString().slice(0, 10) + ".md";
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
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

    const restart = document.getElementById("new-conversation-form");
    if (restart) {
      restart.addEventListener("submit", (event) => {
        event.preventDefault();
        startOver();
      });
    }
    const save = document.getElementById("download-conversation");
    if (save) save.addEventListener("click", download);
  }

  // ---------- copy buttons (a citation, an answer as Markdown) ----------

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // older browsers and plain-http hosts other than localhost
    const area = document.createElement("textarea");
    area.className = "visually-hidden";
    area.readOnly = true;
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    if (!ok) throw new Error("copy refused");
  }

  function initCopy() {
    document.addEventListener("click", async (event) => {
      const button = event.target.closest(".copy-button");
      if (!button) return;
      const label = button.dataset.label || button.textContent;
      button.dataset.label = label;
      try {
        await copyText(button.dataset.copy);
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
