"use strict";
// The evalkit run viewer. Every value from the run is model-written data: it is only ever put
// into the page with textContent or as an attribute value, never parsed as markup.
(function () {
  const DATA = JSON.parse(document.getElementById("run-data").textContent);
  const SUBS = DATA.submissions;
  const META = DATA.meta_columns;
  const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3 };
  const PAGE = 200;

  const state = { sortKey: "index", sortDir: 1, shown: PAGE, order: [], current: -1 };

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === "text") node.textContent = value;
        else if (key === "onclick") node.addEventListener("click", value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function scoreText(score) {
    return score === null ? "–" : score.toFixed(1);
  }

  function coverageText(coverage) {
    return coverage === null || coverage === undefined ? "–" : coverage.toFixed(2);
  }

  function severityOf(checkId) {
    const check = DATA.checks[checkId];
    return check ? check.severity : "low";
  }

  // --- header -------------------------------------------------------------------------------

  function renderHeader() {
    document.getElementById("title").textContent = "evalkit · " + DATA.title;
    const run = DATA.run;
    const statuses = Object.entries(run.status).map(([s, n]) => n + " " + s).join(", ");
    const parts = [
      run.n + " submissions" + (statuses ? " (" + statuses + ")" : ""),
      "mean score " + scoreText(run.mean),
      "rubric " + run.rubric,
    ];
    if (DATA.has_coverage) parts.splice(2, 0, "mean coverage " + coverageText(run.mean_coverage));
    if (run.evalkit) parts.push("evalkit " + run.evalkit);
    document.getElementById("run-line").textContent = parts.join(" · ");
    // What the coloured check chips in the table and the marks in the files mean.
    const legend = document.getElementById("severity-legend");
    legend.replaceChildren(el("span", { text: "failed checks by severity:" }));
    for (const severity of Object.keys(SEVERITY_RANK)) {
      legend.append(" ", el("span", { class: "chip sev-" + severity, text: severity }));
    }
  }

  function meanScore(subs) {
    const scored = subs.filter((s) => typeof s.score === "number");
    return scored.length ? scored.reduce((total, s) => total + s.score, 0) / scored.length : null;
  }

  // Filtered, the header also gives the shown submissions' own mean: the run's mean would
  // describe rows that are not on screen.
  function renderFilteredLine() {
    const line = document.getElementById("filtered-line");
    const filtered = state.order.length !== SUBS.length;
    line.hidden = !filtered;
    line.textContent = filtered
      ? "shown: " + state.order.length + " of " + SUBS.length + " submissions · mean score " +
        scoreText(meanScore(state.order))
      : "";
  }

  // --- filters ------------------------------------------------------------------------------

  function option(value, label) {
    return el("option", { value: value, text: label });
  }

  function renderFilters() {
    const status = document.getElementById("status-filter");
    status.append(option("", "any status"));
    for (const s of Object.keys(DATA.run.status)) status.append(option(s, s));

    const failedCounts = {};
    for (const sub of SUBS) for (const c of sub.failed) failedCounts[c] = (failedCounts[c] || 0) + 1;
    const check = document.getElementById("check-filter");
    check.append(option("", "any failed check"));
    for (const id of Object.keys(DATA.checks)) {
      if (failedCounts[id]) check.append(option(id, id + " (" + failedCounts[id] + ")"));
    }

    const metaFilters = document.getElementById("meta-filters");
    META.forEach((column, i) => {
      const values = Array.from(new Set(SUBS.map((s) => cellText(s.meta[i])))).sort();
      if (values.length < 2 || values.length > 50) return;
      const select = el("select", { "data-meta": i, "aria-label": column });
      select.append(option("\u0000any", "any " + column));
      for (const v of values) select.append(option(v, v === "" ? "(no " + column + ")" : v));
      select.addEventListener("change", refreshList);
      metaFilters.append(select);
    });

    for (const id of ["status-filter", "check-filter"]) {
      document.getElementById(id).addEventListener("change", refreshList);
    }
    // "search" fires when the box's clear button empties it, "change" when it is set by script.
    for (const kind of ["input", "search", "change"]) {
      document.getElementById("search").addEventListener(kind, refreshList);
    }
  }

  function cellText(value) {
    return value === null || value === undefined ? "" : String(value);
  }

  function matches(sub) {
    const query = document.getElementById("search").value.trim().toLowerCase();
    const status = document.getElementById("status-filter").value;
    const check = document.getElementById("check-filter").value;
    if (status && sub.status !== status) return false;
    if (check && !sub.failed.includes(check)) return false;
    for (const select of document.querySelectorAll("#meta-filters select")) {
      const wanted = select.value;
      if (wanted !== "\u0000any" && cellText(sub.meta[Number(select.dataset.meta)]) !== wanted) {
        return false;
      }
    }
    if (!query) return true;
    const haystack = [sub.id, sub.status, sub.feedback, sub.failed.join(" ")]
      .concat(sub.meta.map(cellText))
      .join("\n")
      .toLowerCase();
    return haystack.includes(query);
  }

  // --- the table ----------------------------------------------------------------------------

  const COLUMNS = [{ key: "id", label: "submission" }]
    .concat(META.map((name, i) => ({ key: "meta" + i, label: name, meta: i })))
    .concat([
      { key: "status", label: "status" },
      { key: "score", label: "score", numeric: true },
    ])
    .concat(DATA.has_coverage ? [{ key: "coverage", label: "coverage", numeric: true }] : [])
    .concat([
      { key: "n_findings", label: "findings", numeric: true },
      { key: "failed", label: "failed checks" },
    ]);

  function sortValue(sub, key) {
    if (key === "index") return sub.index;
    if (key.startsWith("meta")) return sub.meta[Number(key.slice(4))];
    if (key === "failed") return sub.failed.length;
    return sub[key];
  }

  function compare(a, b) {
    const x = sortValue(a, state.sortKey);
    const y = sortValue(b, state.sortKey);
    const missingX = x === null || x === undefined || x === "";
    const missingY = y === null || y === undefined || y === "";
    if (missingX !== missingY) return missingX ? 1 : -1; // missing values last either way
    let result = 0;
    if (!missingX) {
      if (typeof x === "number" && typeof y === "number") result = x - y;
      else result = String(x).localeCompare(String(y), undefined, { numeric: true });
    }
    return result * state.sortDir || a.index - b.index;
  }

  function renderHead() {
    const row = document.getElementById("head-row");
    row.replaceChildren();
    for (const column of COLUMNS) {
      const active = state.sortKey === column.key;
      const arrow = active ? (state.sortDir > 0 ? " ▲" : " ▼") : "";
      const th = el("th", {
        scope: "col",
        class: column.numeric ? "num" : null,
        "aria-sort": active ? (state.sortDir > 0 ? "ascending" : "descending") : null,
      }, [
        el("button", {
          type: "button",
          class: "sort",
          "data-key": column.key,
          text: column.label + arrow,
          onclick: () => sortBy(column.key, column.numeric),
        }),
      ]);
      row.append(th);
    }
  }

  function sortBy(key, numeric) {
    if (state.sortKey === key) state.sortDir = -state.sortDir;
    else {
      state.sortKey = key;
      state.sortDir = numeric ? -1 : 1;
    }
    refreshList();
  }

  function filterSignature() {
    const values = [state.sortKey, state.sortDir];
    for (const node of document.querySelectorAll("#filters input, #filters select")) {
      values.push(node.value);
    }
    return JSON.stringify(values);
  }

  function refreshList() {
    // Several events report one change (typing, then "change" on leaving the box); drawing
    // the rows again for nothing would replace a link while it is being clicked.
    const signature = filterSignature();
    if (signature === state.signature) return;
    state.signature = signature;
    state.order = SUBS.filter(matches).sort(compare);
    state.shown = PAGE;
    renderHead();
    renderRows();
  }

  function renderRows() {
    const body = document.getElementById("rows");
    const fragment = document.createDocumentFragment();
    for (const sub of state.order.slice(0, state.shown)) fragment.append(tableRow(sub));
    body.replaceChildren(fragment);
    const more = document.getElementById("more");
    const left = state.order.length - state.shown;
    more.hidden = left <= 0;
    more.textContent = "Show " + Math.min(left, PAGE) + " more of " + left;
    document.getElementById("match-count").textContent =
      state.order.length + " of " + SUBS.length + " submissions";
    renderFilteredLine();
  }

  function tableRow(sub) {
    const cells = [
      el("td", { class: "id" }, [
        el("a", { href: "#sub=" + encodeURIComponent(sub.id), text: sub.id }),
      ]),
    ];
    META.forEach((_, i) => cells.push(el("td", { text: cellText(sub.meta[i]) })));
    cells.push(el("td", {}, [el("span", { class: "status st-" + sub.status, text: sub.status })]));
    cells.push(el("td", { class: "num", text: scoreText(sub.score) }, []));
    if (DATA.has_coverage) cells.push(el("td", { class: "num", text: coverageText(sub.coverage) }));
    cells.push(el("td", { class: "num", text: String(sub.n_findings) }));
    const chips = sub.failed.map((id) =>
      el("span", { class: "chip sev-" + severityOf(id), title: DATA.checks[id].title, text: id }));
    cells.push(el("td", { class: "chips" }, chips));
    const row = el("tr", { "data-index": sub.index }, cells);
    row.addEventListener("click", (event) => {
      if (event.target.closest("a")) return;
      location.hash = "#sub=" + encodeURIComponent(sub.id);
    });
    return row;
  }

  // --- one submission -----------------------------------------------------------------------

  const filesCache = new Map();

  function filesOf(sub) {
    if (!filesCache.has(sub.index)) {
      const block = document.getElementById("files-" + sub.index);
      filesCache.set(sub.index, block ? JSON.parse(block.textContent) : null);
    }
    return filesCache.get(sub.index);
  }

  function showSubmission(index, withIndex) {
    const sub = SUBS[index];
    state.current = index;
    document.getElementById("list-view").hidden = true;
    document.getElementById("detail-view").hidden = false;
    const ordered = state.order.length ? state.order : SUBS;
    const position = ordered.indexOf(sub);
    document.getElementById("position").textContent =
      position >= 0 ? (position + 1) + " of " + ordered.length : "";
    document.getElementById("prev").disabled = position <= 0;
    document.getElementById("next").disabled = position < 0 || position >= ordered.length - 1;

    const detail = document.getElementById("detail");
    if (withIndex !== undefined && withIndex !== index) {
      // Two answers to the same prompt, each with its findings and files, in two columns.
      const other = SUBS[withIndex];
      detail.replaceChildren(...[
        samePromptCard(sub, withIndex),
        el("div", { class: "side-by-side" }, [
          el("div", { class: "side", "data-side": "left" }, [
            summaryCard(sub), findingsCard(sub, ""), filesCard(sub, ""),
          ]),
          el("div", { class: "side", "data-side": "right" }, [
            summaryCard(other), findingsCard(other, "R-"), filesCard(other, "R-"),
          ]),
        ]),
      ].filter(Boolean));
    } else {
      detail.replaceChildren(...[
        summaryCard(sub),
        samePromptCard(sub),
        findingsCard(sub, ""),
        filesCard(sub, ""),
      ].filter(Boolean));
    }
    window.scrollTo(0, 0);
  }

  // The other answers sharing this one's value of the pairing column (e.g. prompt_id), each
  // with a link to see the two side by side; nothing when the run has no such column.
  function samePromptCard(sub, shownWith) {
    if (DATA.pair_on === null || DATA.pair_on === undefined) return null;
    const value = cellText(sub.meta[DATA.pair_on]);
    if (value === "") return null;
    const others = SUBS.filter((s) => s !== sub && cellText(s.meta[DATA.pair_on]) === value);
    if (!others.length) return null;
    const column = META[DATA.pair_on];
    const items = others.map((o) => {
      const label = o.id + " · " + META.map((name, i) => cellText(o.meta[i]))
        .filter((v, i) => i !== DATA.pair_on && v !== "").join(" · ") + " · score " + scoreText(o.score);
      const link = o.index === shownWith
        ? el("a", { class: "pair-link", href: "#sub=" + encodeURIComponent(sub.id), text: "close side by side" })
        : el("a", {
          class: "pair-link",
          href: "#sub=" + encodeURIComponent(sub.id) + "&with=" + encodeURIComponent(o.id),
          text: "side by side",
        });
      return el("li", { "data-id": o.id }, [el("span", { text: label + " " }), link]);
    });
    return el("section", { class: "card same-prompt" }, [
      el("h3", { text: "Same " + column + " (" + value + "): " + others.length + " other answer(s)" }),
      el("ul", {}, items),
    ]);
  }

  function summaryCard(sub) {
    const facts = [
      ["status", el("span", { class: "status st-" + sub.status, text: sub.status })],
      ["score", document.createTextNode(scoreText(sub.score))],
      ["findings", document.createTextNode(String(sub.n_findings))],
    ];
    if (DATA.has_coverage) {
      facts.splice(2, 0, ["coverage", document.createTextNode(coverageText(sub.coverage))]);
    }
    META.forEach((name, i) => facts.push([name, document.createTextNode(cellText(sub.meta[i]))]));
    const list = el("dl", { class: "facts" });
    for (const [term, value] of facts) list.append(el("dt", { text: term }), el("dd", {}, [value]));
    const feedback = sub.feedback
      ? el("pre", { class: "feedback", text: sub.feedback })
      : el("p", { class: "quiet", text: "No feedback: every applicable check passed." });
    return el("section", { class: "card" }, [
      el("h2", { class: "sub-id", text: sub.id }),
      list,
      el("h3", { text: "Feedback" }),
      feedback,
    ]);
  }

  function sortedFindings(sub) {
    return sub.findings.slice().sort((a, b) =>
      (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
      a.file.localeCompare(b.file) || a.line - b.line || a.check.localeCompare(b.check));
  }

  function findingsCard(sub, prefix) {
    if (!sub.findings.length) {
      return el("section", { class: "card" }, [
        el("h3", { text: "Findings" }),
        el("p", { class: "quiet", text: "No findings." }),
      ]);
    }
    const rows = sortedFindings(sub).map((f) => el("tr", {}, [
      el("td", {}, [el("span", { class: "chip sev-" + f.severity, text: f.check })]),
      el("td", { text: f.severity }),
      el("td", { class: "loc" }, [
        f.line > 0
          ? el("a", { href: "#", text: f.file + ":" + f.line, onclick: (e) => { e.preventDefault(); jumpTo(f, prefix); } })
          : document.createTextNode(f.file || "–"),
      ]),
      el("td", { class: "resource", text: f.resource }),
      el("td", { text: f.message }),
    ]));
    return el("section", { class: "card" }, [
      el("h3", { text: "Findings (" + sub.findings.length + ")" }),
      el("table", { class: "findings" }, [
        el("thead", {}, [el("tr", {}, ["check", "severity", "where", "resource", "message"].map(
          (h) => el("th", { scope: "col", text: h })))]),
        el("tbody", {}, rows),
      ]),
    ]);
  }

  function jumpTo(finding, prefix) {
    const target = document.getElementById((prefix || "") + lineId(finding.file, finding.line));
    if (!target) return;
    target.scrollIntoView({ block: "center" });
    target.classList.add("flash");
    setTimeout(() => target.classList.remove("flash"), 1200);
  }

  function lineId(file, line) {
    return "L-" + encodeURIComponent(file) + "-" + line;
  }

  function filesCard(sub, prefix) {
    const files = filesOf(sub);
    const card = el("section", { class: "card" }, [el("h3", { text: "Files as graded" })]);
    if (!files || !sub.saved) {
      card.append(el("p", {
        class: "quiet",
        text: "This run has no saved files for this submission (runs written by `evalkit score` save them under files/).",
      }));
      return card;
    }
    if (!files.length) {
      card.append(el("p", { class: "quiet", text: "No files were extracted from this submission." }));
    }
    const names = new Set(files.map((f) => f.name));
    const orphans = sub.findings.filter((f) => f.file && !names.has(f.file));
    for (const file of files) {
      card.append(fileView(file, sub.findings.filter((f) => f.file === file.name), prefix));
    }
    if (orphans.length) {
      card.append(el("p", {
        class: "quiet",
        text: orphans.length + " finding(s) name a file that was not saved: " +
          Array.from(new Set(orphans.map((f) => f.file))).join(", "),
      }));
    }
    return card;
  }

  function fileView(file, findings, prefix) {
    const byLine = new Map();
    const whole = [];
    for (const f of findings) {
      if (f.line > 0) {
        if (!byLine.has(f.line)) byLine.set(f.line, []);
        byLine.get(f.line).push(f);
      } else whole.push(f);
    }
    const lines = file.text.split("\n");
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
    const body = el("tbody");
    for (const f of whole) body.append(noteRow(f));
    lines.forEach((text, i) => {
      const number = i + 1;
      const marked = byLine.get(number);
      const worst = marked ? marked.map((f) => f.severity).sort((a, b) =>
        (SEVERITY_RANK[a] ?? 9) - (SEVERITY_RANK[b] ?? 9))[0] : null;
      body.append(el("tr", {
        id: (prefix || "") + lineId(file.name, number),
        class: marked ? "line marked sev-line-" + worst : "line",
      }, [
        el("td", { class: "ln", text: String(number) }),
        el("td", { class: "code", text: text }),
      ]));
      if (marked) for (const f of marked) body.append(noteRow(f));
    });
    // Findings past the end of the file (a line count that changed) are still shown.
    for (const [line, marked] of byLine) {
      if (line > lines.length) for (const f of marked) body.append(noteRow(f));
    }
    const summary = el("summary", {}, [
      el("span", { class: "file-name", text: file.name }),
      el("span", { class: "quiet", text: " · " + lines.length + " lines" +
        (findings.length ? " · " + findings.length + " finding(s)" : "") }),
    ]);
    const details = el("details", { class: "file", open: true }, [summary]);
    if (file.cut) details.append(el("p", { class: "quiet", text: "Shown cut: the file is longer than the viewer shows." }));
    details.append(el("div", { class: "code-wrap" }, [el("table", { class: "code-table" }, [body])]));
    return details;
  }

  function noteRow(f) {
    return el("tr", { class: "note sev-" + f.severity }, [
      el("td", { class: "ln" }),
      el("td", { class: "note-text" }, [
        el("span", { class: "chip sev-" + f.severity, text: f.check }),
        el("span", { class: "note-sev", text: f.severity }),
        el("span", { class: "note-msg", text: f.message }),
      ]),
    ]);
  }

  // --- routing --------------------------------------------------------------------------------

  const indexById = new Map(SUBS.map((s, i) => [s.id, i]));

  function route() {
    const match = /^#sub=([^&]*)(?:&with=(.*))?$/.exec(location.hash);
    let id = null;
    let other = null;
    if (match) {
      try { id = decodeURIComponent(match[1]); } catch (error) { id = null; }
      try { other = match[2] === undefined ? null : decodeURIComponent(match[2]); } catch (error) { other = null; }
    }
    if (id !== null && indexById.has(id)) {
      showSubmission(indexById.get(id), other !== null && indexById.has(other) ? indexById.get(other) : undefined);
    } else {
      document.getElementById("detail-view").hidden = true;
      document.getElementById("list-view").hidden = false;
      if (state.current >= 0) {
        const row = document.querySelector('tr[data-index="' + state.current + '"]');
        if (row) row.scrollIntoView({ block: "center" });
      }
    }
  }

  function step(delta) {
    const ordered = state.order.length ? state.order : SUBS;
    const position = ordered.indexOf(SUBS[state.current]) + delta;
    if (position >= 0 && position < ordered.length) {
      location.hash = "#sub=" + encodeURIComponent(ordered[position].id);
    }
  }

  function start() {
    SUBS.forEach((sub, i) => { sub.index = i; });
    renderHeader();
    renderFilters();
    refreshList();
    document.getElementById("more").addEventListener("click", () => {
      state.shown += PAGE;
      renderRows();
    });
    document.getElementById("back").addEventListener("click", () => { location.hash = ""; });
    document.getElementById("prev").addEventListener("click", () => step(-1));
    document.getElementById("next").addEventListener("click", () => step(1));
    document.addEventListener("keydown", (event) => {
      if (document.getElementById("detail-view").hidden || event.target.closest("input, select")) return;
      if (event.key === "ArrowLeft" || event.key === "k") step(-1);
      else if (event.key === "ArrowRight" || event.key === "j") step(1);
      else if (event.key === "Escape") location.hash = "";
    });
    window.addEventListener("hashchange", route);
    route();
  }

  start();
})();
