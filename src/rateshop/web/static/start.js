// The start page: the form goes to /quote/<line>; only states where the line is written are offered.
(function () {
  "use strict";
  const form = document.getElementById("start-form");
  const state = document.getElementById("state");
  const all = Array.from(state.options).map((o) => [o.value, o.text]);
  function update() {
    const line = form.querySelector("input[name=line]:checked");
    form.action = "/quote/" + line.value;
    const allowed = line.dataset.states.split(",");
    const current = state.value;
    state.replaceChildren(...all.filter(([code]) => allowed.includes(code)).map(([code, name]) => new Option(name, code)));
    if (allowed.includes(current)) state.value = current;
  }
  form.addEventListener("change", (event) => { if (event.target.name === "line") update(); });
  form.addEventListener("submit", () => {
    // The line is in the address; sending it again as a query field would only clutter the link.
    form.querySelectorAll("input[name=line]").forEach((input) => { input.disabled = true; });
  });
  update();
})();
