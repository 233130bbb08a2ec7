// The multi-step quote form: steps, repeating groups, answers kept across reloads, the server's
// checks shown at each field, and the quotes streamed in as carriers answer.
(function () {
  "use strict";
  const form = document.getElementById("quote-form");
  if (!form) return;
  const steps = Array.from(form.querySelectorAll("section.step"));
  const tabs = Array.from(form.querySelectorAll("[data-step-tab]"));
  const summary = form.querySelector(".summary");
  const storeKey = `rateshop:${form.dataset.line}:${form.dataset.state}`;
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  let current = 0;

  // --- repeating groups --------------------------------------------------------------------

  function items(group) {
    return Array.from(group.querySelector(":scope > .items").children);
  }

  function groupAt(path) {
    return form.querySelector(`[data-group="${CSS.escape(path)}"]`);
  }

  function renumber(group) {
    items(group).forEach((item, i) => {
      item.querySelectorAll(":scope > legend .number, :scope > .remove .number").forEach((n) => { n.textContent = String(i + 1); });
    });
    const count = items(group).length;
    group.querySelector(":scope > .add").hidden = count >= Number(group.dataset.max);
    items(group).forEach((item) => {
      item.querySelector(":scope > .remove").hidden = count <= Number(group.dataset.min);
    });
  }

  function addItem(group) {
    const index = items(group).length;
    const template = group.querySelector(":scope > template");
    const holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replaceAll(`__${group.dataset.depth}__`, String(index));
    const item = holder.firstElementChild;
    group.querySelector(":scope > .items").appendChild(item);
    item.querySelectorAll("[name]").forEach((el) => { el.value = el.dataset.default ?? ""; });
    item.querySelectorAll("[data-group]").forEach((inner) => {
      for (let i = 0; i < Number(inner.dataset.min); i += 1) addItem(inner);
      renumber(inner);
    });
    renumber(group);
    return item;
  }

  function ensure(name) {
    // Make the items a field's path runs through: drivers[1].incidents[0].date needs driver 2
    // and that driver's first incident.
    let path = "";
    for (const segment of name.split(".")) {
      const m = /^(.+)\[(\d+)\]$/.exec(segment);
      if (!m) { path = path ? `${path}.${segment}` : segment; continue; }
      const groupPath = path ? `${path}.${m[1]}` : m[1];
      const group = groupAt(groupPath);
      if (!group) return;
      while (items(group).length <= Number(m[2])) addItem(group);
      path = `${groupPath}[${m[2]}]`;
    }
  }

  function flat() {
    // Blank answers are kept too: a blank item, or a choice set back to "None", must come back.
    const out = {};
    form.querySelectorAll("[name]").forEach((el) => { out[el.name] = el.value; });
    return out;
  }

  function clearGroups() {
    form.querySelectorAll("section.step > [data-group]").forEach((group) => {
      group.querySelector(":scope > .items").replaceChildren();
    });
  }

  function restore(values) {
    clearGroups();
    Object.keys(values).forEach(ensure);
    form.querySelectorAll("section.step > [data-group]").forEach((group) => {
      while (items(group).length < Number(group.dataset.min)) addItem(group);
      renumber(group);
    });
    form.querySelectorAll("[name]").forEach((el) => { el.value = values[el.name] ?? el.dataset.default ?? ""; });
  }

  function removeItem(item) {
    const group = item.closest("[data-group]");
    const path = group.dataset.group;
    const index = items(group).indexOf(item);
    const values = flat();
    const kept = {};
    const own = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\[(\\d+)\\](.*)$`);
    Object.entries(values).forEach(([name, value]) => {
      const m = own.exec(name);
      if (!m) { kept[name] = value; return; }
      const i = Number(m[1]);
      if (i === index) return;
      kept[i > index ? `${path}[${i - 1}]${m[2]}` : name] = value;
    });
    restore(kept);
    save();
    const next = items(groupAt(path))[Math.min(index, items(groupAt(path)).length - 1)];
    (next ? next.querySelector("input, select") : groupAt(path).querySelector(".add")).focus();
  }

  form.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add]");
    if (add) {
      const item = addItem(add.closest("[data-group]"));
      save();
      item.querySelector("input, select").focus();
      return;
    }
    const remove = event.target.closest("[data-remove]");
    if (remove) removeItem(remove.closest("[data-item]"));
  });

  // --- the risk as JSON ----------------------------------------------------------------------

  function typed(el) {
    const type = el.dataset.type;
    if (type === "bool") return el.value === "true";
    if (type === "int") return /^-?\d+$/.test(el.value) ? Number(el.value) : el.value;
    return el.value;
  }

  function risk() {
    const out = { line: form.dataset.line, state: form.dataset.state };
    form.querySelectorAll("[name]").forEach((el) => {
      if (el.value === "" || el.closest("[hidden].field")) return;
      const keys = el.name.match(/[^.[\]]+/g);
      let node = out;
      keys.forEach((key, i) => {
        const last = i === keys.length - 1;
        const nextIsIndex = !last && /^\d+$/.test(keys[i + 1]);
        const k = /^\d+$/.test(key) ? Number(key) : key;
        if (last) node[k] = typed(el);
        else {
          if (node[k] === undefined) node[k] = nextIsIndex ? [] : {};
          node = node[k];
        }
      });
    });
    form.querySelectorAll("[data-group]").forEach((group) => {
      // Every item goes as an object, a blank one too (the server then names its missing
      // answers), and an empty list the question set defaults (incidents, claims) as [].
      const keys = group.dataset.group.match(/[^.[\]]+/g);
      let node = out;
      for (let i = 0; i < keys.length - 1; i += 1) {
        const k = /^\d+$/.test(keys[i]) ? Number(keys[i]) : keys[i];
        if (node[k] === undefined) node[k] = /^\d+$/.test(keys[i + 1]) ? [] : {};
        node = node[k];
      }
      const last = keys[keys.length - 1];
      const count = items(group).length;
      if (count === 0 && Number(group.dataset.min) > 0) return;
      node[last] = node[last] || [];
      for (let i = 0; i < count; i += 1) node[last][i] = node[last][i] || {};
    });
    return out;
  }

  // --- messages at the fields -------------------------------------------------------------------

  const WORDS = {
    "field required": "Please answer this.",
    "is required": "Please answer this.",
  };

  function words(problem) {
    const text = String(problem.problem || "");
    let message = WORDS[text.toLowerCase()] || text.charAt(0).toUpperCase() + text.slice(1);
    if (!/[.?!]$/.test(message)) message += ".";
    if (problem.allowed) message += ` Allowed: ${problem.allowed}.`;
    return message;
  }

  function holderOf(field) {
    let path = field;
    while (path) {
      const el = form.querySelector(`[name="${CSS.escape(path)}"]`);
      if (el) return el.closest(".field");
      const box = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
      if (box) return box;
      path = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
      if (path === field) break;
    }
    return null;
  }

  function clearMessages(scope) {
    scope.querySelectorAll(".error").forEach((p) => { p.textContent = ""; });
    scope.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    scope.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
  }

  function show(holder, message) {
    holder.classList.add("invalid");
    const p = holder.querySelector(":scope > .error");
    p.textContent = p.textContent ? `${p.textContent} ${message}` : message;
    const input = holder.querySelector(":scope > input, :scope > select");
    if (input) input.setAttribute("aria-invalid", "true");
  }

  function stepOf(el) {
    return steps.indexOf(el.closest("section.step"));
  }

  function report(problems, upTo) {
    // Shows the problems of steps up to ``upTo`` at their fields; returns the first holder.
    let first = null;
    const orphans = [];
    problems.forEach((problem) => {
      const holder = holderOf(problem.field);
      if (!holder) { orphans.push(`${problem.field}: ${words(problem)}`); return; }
      if (stepOf(holder) > upTo) return;
      show(holder, words(problem));
      if (!first || stepOf(holder) < stepOf(first)) first = holder;
    });
    return { first, orphans };
  }

  function localCheck(scope) {
    let first = null;
    scope.querySelectorAll("input[name], select[name]").forEach((el) => {
      if (el.closest("[hidden].field") || el.checkValidity()) return;
      show(el.closest(".field"), el.validationMessage);
      first = first || el.closest(".field");
    });
    return first;
  }

  // While a step's button is held down, a field left by that press changes no message: a message
  // appearing or going would move the button from under the pointer and the click would be lost.
  // The button's own check shows every message of the step a moment later.
  let pressing = false;
  form.addEventListener("pointerdown", (event) => {
    if (event.target.closest(".next, .back, button[type=submit]")) pressing = true;
  });
  ["pointerup", "pointercancel"].forEach((type) => document.addEventListener(type, () => {
    setTimeout(() => { pressing = false; }, 0); // after the click the release makes
  }));

  form.addEventListener("change", (event) => {
    const el = event.target;
    if (!el.name || pressing) return;
    const holder = el.closest(".field");
    clearMessages(holder);
    if (!el.checkValidity()) show(holder, el.validationMessage);
    else if (el.matches("input[data-zip]")) showTown(el);
  });

  // --- the town of each ZIP typed, for the shopper to confirm ------------------------------------

  const towns = new Map();

  async function showTown(input) {
    const line = input.closest(".field").querySelector(".town");
    const zip = input.value;
    if (!/^[0-9]{5}$/.test(zip)) { line.textContent = ""; return; }
    if (!towns.has(zip)) {
      const reply = await fetch(`/quote/zip/${zip}?state=${encodeURIComponent(form.dataset.state)}`);
      if (!reply.ok) return;
      towns.set(zip, await reply.json());
    }
    const place = towns.get(zip);
    if (input.value !== zip || pressing) return; // typed on meanwhile, or a step's button is held
    const holder = input.closest(".field");
    if (place.problem) {
      line.textContent = "";
      clearMessages(holder);
      show(holder, `${place.problem}.`);
    } else {
      clearMessages(holder);
      line.textContent = `${place.town}, ${place.state_name}`;
    }
  }

  form.addEventListener("input", (event) => {
    if (event.target.matches("input[data-zip]")) showTown(event.target);
    if (event.target.matches("input[data-vin]")) showVin(event.target);
  });

  // --- a VIN read offline: its year and maker shown, and filled in where not yet answered --------

  async function showVin(input) {
    const holder = input.closest(".field");
    const line = holder.querySelector(".town");
    const vin = input.value.trim().toUpperCase();
    if (vin.length !== 17) { line.textContent = ""; return; }
    const on = form.querySelector("[name=effective_date]").value;
    const reply = await fetch(`/quote/vin/${encodeURIComponent(vin)}${on ? `?effective=${on}` : ""}`);
    if (!reply.ok || input.value.trim().toUpperCase() !== vin || pressing) return;
    const read = await reply.json();
    clearMessages(holder);
    if (read.problem) { line.textContent = ""; show(holder, `${read.problem.charAt(0).toUpperCase()}${read.problem.slice(1)}.`); return; }
    line.textContent = [read.year, read.maker].filter(Boolean).join(" ");
    const item = input.closest("[data-item]");
    const fill = (name, value) => {
      const el = item.querySelector(`[name$=".${name}"]`);
      if (el && !el.value && value) { el.value = String(value); el.dispatchEvent(new Event("change", { bubbles: true })); }
    };
    fill("model_year", read.year);
    fill("make", read.maker);
    save();
  }

  function announce(text) {
    summary.hidden = !text;
    summary.textContent = text;
  }

  async function serverCheck(upTo) {
    const reply = await fetch("/quote/check", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(risk()),
    });
    if (reply.ok) return null;
    const body = await reply.json();
    return report(body.errors || [{ field: "", problem: body.message }], upTo);
  }

  async function checkStep(index) {
    const scope = steps[index];
    clearMessages(form);
    announce("");
    let first = localCheck(scope);
    if (!first) {
      const found = await serverCheck(index);
      if (found) {
        first = found.first;
        if (!first && found.orphans.length && index === steps.length - 1) {
          announce(found.orphans.join(" "));
          return false;
        }
      }
    }
    if (first) {
      if (stepOf(first) !== index) go(stepOf(first));
      const count = form.querySelectorAll(".field.invalid, .group.invalid").length;
      announce(`Please check ${count === 1 ? "the answer" : `${count} answers`} marked below.`);
      (first.querySelector("input, select, button") || first).focus();
      return false;
    }
    return true;
  }

  // --- steps -------------------------------------------------------------------------------------

  // Each step is an entry of the browser's history: its Back button moves between the steps.
  window.addEventListener("popstate", (event) => {
    const step = event.state && Number.isInteger(event.state.step) ? event.state.step : 0;
    clearMessages(form);
    announce("");
    go(Math.min(step, steps.length - 1), false);
    steps[current].querySelector("h2").focus();
  });

  function go(index, remember = true) {
    if (remember && index !== current) {
      const depth = ((history.state && history.state.depth) || 0) + 1;
      history.pushState({ step: index, depth }, "", `#step-${index + 1}`);
    }
    current = index;
    steps.forEach((step, i) => { step.hidden = i !== index; });
    tabs.forEach((tab, i) => {
      if (i === index) tab.setAttribute("aria-current", "step");
      else tab.removeAttribute("aria-current");
      tab.classList.toggle("done", i < index);
    });
    save();
  }

  form.addEventListener("click", async (event) => {
    if (event.target.closest(".next")) {
      if (await checkStep(current)) {
        go(current + 1);
        steps[current].querySelector("h2").focus();
      }
    } else if (event.target.closest(".back")) {
      if (history.state && history.state.depth > 0) {
        history.back(); // the step before is this page's own history entry: popstate shows it
        return;
      }
      go(current - 1, false);
      history.replaceState({ step: current, depth: 0 }, "", `#step-${current + 1}`);
      steps[current].querySelector("h2").focus();
    }
  });

  document.getElementById("reset").addEventListener("click", () => {
    localStorage.removeItem(storeKey);
    window.location.reload();
  });

  function save() {
    localStorage.setItem(storeKey, JSON.stringify({ values: flat(), step: current }));
  }

  form.addEventListener("input", save);
  form.addEventListener("change", save);

  // --- quotes, streamed -----------------------------------------------------------------------

  const live = document.getElementById("live");
  const liveList = live.querySelector(".live-list");
  const status = live.querySelector(".status");

  function line(answer) {
    const li = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = answer.carrier_name;
    li.appendChild(name);
    let text;
    const money = (value) => `$${Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    if (answer.quote) text = ` ${money(answer.quote.monthly)} a month (${money(answer.quote.per_year)} a year)`;
    else if (answer.decline) text = ` declined: ${answer.decline.reasons.join("; ")}`;
    else if (answer.referral) text = ` referred to an underwriter: ${answer.referral.messages.join("; ")}`;
    else if (answer.pending) text = ` will answer later (reference ${answer.pending.quote_ref})`;
    else text = ` ${answer.error ? answer.error.message : "did not answer"}`;
    li.appendChild(document.createTextNode(text));
    li.className = answer.quote ? "quote" : "other";
    return li;
  }

  let sending = false;

  async function submit() {
    if (sending) return;
    sending = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await send();
    } catch (error) {
      announce("We could not reach rateshop. Check your connection and try again.");
      status.textContent = "";
    } finally {
      sending = false;
      button.disabled = false;
    }
  }

  async function send() {
    if (!(await checkStep(current))) return;
    const reply = await fetch("/quote/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "text/event-stream" },
      body: JSON.stringify(risk()),
    });
    if (!reply.ok) {
      let body = { message: await reply.text() };
      try { body = JSON.parse(body.message); } catch (e) { /* a plain text answer */ }
      const found = report(body.errors || [], steps.length - 1);
      announce(found.first ? "Please check the answers marked below." : body.message);
      if (found.first) {
        go(stepOf(found.first));
        (found.first.querySelector("input, select, button") || found.first).focus();
      }
      return;
    }
    live.hidden = false;
    liveList.replaceChildren();
    status.textContent = "Asking every carrier…";
    live.scrollIntoView();
    const reader = reply.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let answered = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const chunk = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = (/^event: (.*)$/m.exec(chunk) || [])[1];
        const data = JSON.parse((/^data: (.*)$/m.exec(chunk) || [])[1] || "{}");
        if (name === "answer") {
          answered += 1;
          liveList.appendChild(line(data));
          status.textContent = `${answered} carrier${answered === 1 ? "" : "s"} answered…`;
        } else if (name === "done") {
          status.textContent = `All ${answered} carriers answered. Opening your results…`;
          window.location.assign(`/c/${data.ref}`);
          return;
        } else if (name === "error") {
          status.textContent = data.message;
          return;
        }
      }
    }
    status.textContent = "The answers stopped before every carrier had answered. Please try again.";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });

  // --- start -------------------------------------------------------------------------------------

  // Answers given before this script ran (a slow connection) win over the saved and default ones.
  const early = {};
  form.querySelectorAll("[name]").forEach((el) => {
    const initial = el.tagName === "SELECT" ? (Array.from(el.options).find((o) => o.defaultSelected) || el.options[0] || {}).value : el.defaultValue;
    if (el.value !== "" && el.value !== initial) early[el.name] = el.value;
  });
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (e) { saved = null; }
  if (form.dataset.answers) {
    // "Edit my answers" from a results page: that comparison's answers, from the first step.
    saved = { values: JSON.parse(form.dataset.answers), step: 0 };
  }
  if (saved && saved.values) {
    restore({ ...saved.values, ...early });
    go(Math.min(Number(saved.step) || 0, steps.length - 1), false);
  } else {
    restore({ effective_date: form.dataset.today, ...early });
    go(0, false);
  }
  history.replaceState({ step: current, depth: 0 }, "", `#step-${current + 1}`);
  form.querySelectorAll("input[data-zip]").forEach((input) => { if (input.value) showTown(input); });
  form.dataset.ready = "true";
})();
