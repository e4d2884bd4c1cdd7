// Prints the scores of Lighthouse's JSON reports as a table, with the audits that cost points,
// and exits 1 if a score is below its threshold (.ci/lighthouse.sh).
import { readFileSync } from "node:fs";

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
// The least score each category needs, by page path; a missing entry is not checked.
const THRESHOLDS = {
  "/": { performance: 95, accessibility: 95, "best-practices": 95, seo: 95 },
  default: { accessibility: 95, "best-practices": 95, seo: 95 },
};

const rows = [];
const failures = [];
const lost = [];
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  const path = new URL(report.finalDisplayedUrl || report.requestedUrl).pathname;
  const form = report.configSettings.formFactor;
  const need = THRESHOLDS[path] || THRESHOLDS.default;
  const scores = {};
  for (const id of CATEGORIES) {
    const category = report.categories[id];
    scores[id] = category && category.score !== null ? Math.round(category.score * 100) : NaN;
    if (id in need && !(scores[id] >= need[id])) {
      failures.push(`${path} (${form}): ${id} ${scores[id]} < ${need[id]}`);
    }
    for (const ref of category ? category.auditRefs : []) {
      const audit = report.audits[ref.id];
      if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
        lost.push(`${path} (${form}) ${id}: ${audit.id}: ${audit.title}` +
          (audit.displayValue ? ` (${audit.displayValue})` : ""));
      }
    }
  }
  rows.push([path, form, ...CATEGORIES.map((id) => String(scores[id]))]);
}

const header = ["page", "form", ...CATEGORIES];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
rows.forEach((r) => console.log(line(r)));
if (lost.length) console.log("\nAudits that cost points:\n  " + lost.join("\n  "));
if (failures.length) {
  console.log("\nBelow the thresholds:\n  " + failures.join("\n  "));
  process.exit(1);
}
console.log("\nAll scores meet the thresholds.");
