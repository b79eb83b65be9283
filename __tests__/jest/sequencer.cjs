/**
 * Test order: the longest files first, longest first, then jest's own order.
 *
 * Jest orders files by the durations it recorded on earlier runs, and without them (a clean clone,
 * as in CI) by file size, largest first. The terraform files are small but take most of a cold run
 * (the two longest together about as long as everything else), so by size they would start late
 * and one worker would still be planning after the other had finished. Listed by name rather than
 * measured, so the order is the same on every machine: both workers start on a long file, and the
 * short ones fill in at the end. The durations of a cold run on 2 cores are in docs/testing.md.
 */
const { basename } = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

const LONGEST_FIRST = [
  "terraform.real-plan.test.ts",
  "terraform.preview.test.ts",
  "terraform.hub-move.test.ts",
  "terraform.hub-plan.test.ts",
  "terraform.real-plan-configs.test.ts",
  "studio-cleanup.test.ts",
  "terraform.mock-plan.test.ts",
  "example.pack.test.ts",
  "terraform.validate.test.ts",
  "main.test.ts",
];

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const rank = (test) => {
      const i = LONGEST_FIRST.indexOf(basename(test.path));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    const order = (sorted) => sorted.map((test, i) => ({ test, i })).sort((a, b) => rank(a.test) - rank(b.test) || a.i - b.i).map(({ test }) => test);
    const sorted = super.sort(tests);
    return Array.isArray(sorted) ? order(sorted) : sorted.then(order);
  }
}

module.exports = LongestFirstSequencer;
