/**
 * Test order: the files that start terraform first, longest first, then jest's own order.
 *
 * Jest orders files by the durations it recorded on earlier runs, and without them (a clean clone,
 * as in CI) by file size, largest first. The real-provider file is small but takes most of a cold
 * run (about 160 s on 2 cores; everything else together about as long on the other worker), so by
 * size it would start last and the run would take the sum instead of the longer of the two.
 * Listed by name rather than measured, so the order is the same on every machine.
 */
const { basename } = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

const LONGEST_FIRST = [
  "terraform.real-plan.test.ts",
  "terraform.mock-plan.test.ts",
  "terraform.real-plan-configs.test.ts",
  "terraform.validate.test.ts",
  "example.pack.test.ts",
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
