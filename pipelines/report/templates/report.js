// Draws the report's charts from the JSON embedded in the page (#report-data), with the
// Chart.js inlined before this script: the page needs no network.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("report-data").textContent);
  const hours = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
  const COLORS = {
    answered: "#2e7d32",
    unanswered: "#c62828",
    p50: "#1565c0",
    p90: "#8e24aa",
    sla: "#6b7280",
    positive: "#2e7d32",
    neutral: "#9ca3af",
    negative: "#c62828",
  };

  // No animation: a printed page or a screenshot sees the finished chart.
  Chart.defaults.animation = false;
  Chart.defaults.locale = "fr-FR";
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

  function bars(label, values, color) {
    return { label: label, data: values, backgroundColor: color };
  }

  function line(label, values, color, dashed) {
    return {
      label: label,
      data: values,
      borderColor: color,
      backgroundColor: color,
      borderDash: dashed ? [6, 4] : [],
      pointRadius: dashed ? 0 : 4,
      spanGaps: false,
    };
  }

  function stackedScales(valueAxis, title) {
    const scales = {};
    scales[valueAxis === "x" ? "y" : "x"] = { stacked: true };
    scales[valueAxis] = {
      stacked: true,
      beginAtZero: true,
      ticks: { precision: 0 },
      title: { display: true, text: title },
    };
    return scales;
  }

  const charts = {
    rates: function (source) {
      return {
        type: "bar",
        data: {
          labels: data.months,
          datasets: [
            bars("Répondues", source.rates.answered, COLORS.answered),
            bars("Sans réponse", source.rates.unanswered, COLORS.unanswered),
          ],
        },
        options: { scales: stackedScales("y", "Questions") },
      };
    },
    times: function (source) {
      return {
        type: "line",
        data: {
          labels: data.months,
          datasets: [
            line("Médiane", source.times.p50, COLORS.p50, false),
            line("90e centile", source.times.p90, COLORS.p90, false),
            line("Objectif de délai", source.times.sla, COLORS.sla, true),
          ],
        },
        options: {
          scales: { y: { beginAtZero: true, title: { display: true, text: "heures" } } },
          plugins: {
            tooltip: {
              callbacks: {
                label: function (item) {
                  return item.dataset.label + " : " + hours.format(item.parsed.y) + " h";
                },
              },
            },
          },
        },
      };
    },
    topics: function (source) {
      return {
        type: "bar",
        data: {
          labels: source.topics.labels,
          datasets: [
            bars("Positif", source.topics.positive, COLORS.positive),
            bars("Neutre", source.topics.neutral, COLORS.neutral),
            bars("Négatif", source.topics.negative, COLORS.negative),
          ],
        },
        options: { indexAxis: "y", scales: stackedScales("x", "Commentaires") },
      };
    },
  };

  let drawn = 0;
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const source = data.sources[canvas.dataset.source];
    new Chart(canvas, charts[canvas.dataset.chart](source));
    drawn += 1;
  }
  document.body.dataset.chartsDrawn = String(drawn);
})();
