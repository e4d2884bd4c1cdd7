// Prints the scores of Lighthouse's JSON reports as a table, with the audits that cost points,
// and exits 1 if a score is below its threshold (.ci/lighthouse.sh). Several reports of one
// page and form factor count as one: Lighthouse's own median run (closest to the median first
// contentful paint and time to interactive), with the spread of performance scores beside it.
import { readFileSync } from "node:fs";
import { computeMedianRun } from "lighthouse/core/lib/median-run.js";

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
// The least score each category needs, by page path; a missing entry is not checked.
const THRESHOLDS = {
  "/": { performance: 95, accessibility: 95, "best-practices": 95, seo: 95 },
  default: { accessibility: 95, "best-practices": 95, seo: 95 },
};

const score = (report, id) => {
  const category = report.categories[id];
  return category && category.score !== null ? Math.round(category.score * 100) : NaN;
};

const groups = new Map();
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  const path = new URL(report.finalDisplayedUrl || report.requestedUrl).pathname;
  const key = `${path} ${report.configSettings.formFactor}`;
  groups.set(key, [...(groups.get(key) || []), report]);
}

const rows = [];
const failures = [];
const lost = new Set();
for (const [key, reports] of groups) {
  const [path, form] = key.split(" ");
  const report = computeMedianRun(reports);
  const need = THRESHOLDS[path] || THRESHOLDS.default;
  for (const id of CATEGORIES) {
    if (id in need && !(score(report, id) >= need[id])) {
      failures.push(`${path} (${form}): ${id} ${score(report, id)} < ${need[id]}`);
    }
    for (const ref of report.categories[id] ? report.categories[id].auditRefs : []) {
      const audit = report.audits[ref.id];
      if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
        lost.add(`${path} (${form}) ${id}: ${audit.id}: ${audit.title}` +
          (audit.displayValue ? ` (${audit.displayValue})` : ""));
      }
    }
  }
  const spread = reports.map((r) => score(r, "performance")).sort((a, b) => a - b);
  rows.push([path, form, ...CATEGORIES.map((id) => String(score(report, id))),
    spread.length > 1 ? spread.join(" ") : ""]);
}

const header = ["page", "form", ...CATEGORIES, "performance, each run"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i < 2 || i === cells.length - 1
  ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
rows.forEach((r) => console.log(line(r)));
if (lost.size) console.log("\nAudits that cost points (median runs):\n  " + [...lost].join("\n  "));
if (failures.length) {
  console.log("\nBelow the thresholds:\n  " + failures.join("\n  "));
  process.exit(1);
}
console.log("\nAll scores meet the thresholds.");
