// The results page: sort and filter the quote cards, draw the price chart, copy the link, print.
(function () {
  "use strict";
  const list = document.getElementById("cards");
  if (list) {
    const cards = Array.from(list.children);
    const data = JSON.parse(document.getElementById("chart-data").textContent);
    const canvas = document.getElementById("price-chart");
    let chart = null;
    const dollars = (value) => `$${Number(value).toLocaleString("en-US", { maximumFractionDigits: 0 })}`;
    // On a narrow screen a carrier's name goes on lines of its own words, so the bars keep room.
    const narrow = () => canvas.parentElement.clientWidth < 560;
    const wrap = (name) => {
      if (!narrow()) return name;
      const lines = [];
      name.split(" ").forEach((word) => {
        const last = lines.length - 1;
        if (last >= 0 && `${lines[last]} ${word}`.length <= 14) lines[last] += ` ${word}`;
        else lines.push(word);
      });
      return lines;
    };
    if (window.Chart && canvas) {
      canvas.parentElement.style.height = `${Math.max(160, (narrow() ? 56 : 40) * data.labels.length + 60)}px`;
      chart = new window.Chart(canvas, {
        type: "bar",
        data: { labels: data.labels.map(wrap), datasets: [{ label: "Price per year", data: data.values, backgroundColor: "#1f6f5c" }] },
        options: {
          indexAxis: "y", animation: false, responsive: true, maintainAspectRatio: false,
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => `${dollars(item.raw)} a year` } } },
          scales: {
            x: { ticks: { callback: (value) => dollars(value), maxTicksLimit: narrow() ? 4 : 8 } },
            y: { ticks: { autoSkip: false, font: { size: narrow() ? 11 : 12 } } },
          },
        },
      });
    }
    const sort = document.getElementById("sort");
    const group = document.getElementById("filter-group");
    const rating = document.getElementById("filter-rating");
    const shown = document.querySelector(".controls .shown");
    const rankOf = (value) => {
      const card = cards.find((c) => c.dataset.rating === value);
      return card ? Number(card.dataset.ratingRank) : Infinity;
    };
    function apply() {
      const price = (c) => Number(c.dataset.price);
      const orders = {
        price: (a, b) => price(a) - price(b),
        like: (a, b) => (Number(b.dataset.like) - Number(a.dataset.like)) || price(a) - price(b),
        rating: (a, b) => (Number(a.dataset.ratingRank) - Number(b.dataset.ratingRank)) || price(a) - price(b),
      };
      const floor = rating.value ? rankOf(rating.value) : Infinity;
      let count = 0;
      cards.slice().sort(orders[sort.value]).forEach((card) => {
        const visible = (!group.value || card.dataset.group === group.value) && Number(card.dataset.ratingRank) <= floor;
        card.hidden = !visible;
        // A quote filtered out of view is not compared either.
        if (!visible) card.querySelector("input[name=carrier]").checked = false;
        if (visible) count += 1;
        list.appendChild(card);
      });
      shown.textContent = `Showing ${count} of ${cards.length} quotes.`;
      if (chart) {
        // The chart shows the quotes the list shows, in its order.
        const visible = Array.from(list.children).filter((card) => !card.hidden);
        chart.data.labels = visible.map((card) => wrap(card.dataset.name));
        chart.data.datasets[0].data = visible.map((card) => Number(card.dataset.price));
        chart.update();
      }
    }
    [sort, group, rating].forEach((el) => el.addEventListener("change", apply));
    // The controls act as they change; Enter in them must not send the page anywhere.
    document.getElementById("controls").addEventListener("submit", (event) => event.preventDefault());
    apply();

    const form = document.getElementById("compare-form");
    const tray = form.querySelector(".tray .picked");
    const count = () => form.querySelectorAll("input[name=carrier]:checked").length;
    form.addEventListener("change", () => {
      const picked = count();
      tray.textContent = picked ? `${picked} picked (two or three).` : "Pick two or three.";
    });
    form.addEventListener("submit", (event) => {
      const picked = count();
      if (picked < 2 || picked > 3) {
        event.preventDefault();
        tray.textContent = `Pick two or three quotes to compare (you picked ${picked}).`;
      }
    });
  }
  const copy = document.getElementById("copy-link");
  if (copy) {
    copy.addEventListener("click", async () => {
      const input = document.getElementById("save-link");
      input.select();
      try { await navigator.clipboard.writeText(input.value); copy.textContent = "Copied"; } catch (e) { copy.textContent = "Select and copy the link"; }
    });
  }
  const print = document.getElementById("print");
  if (print) print.addEventListener("click", () => window.print());
})();
