/** Deterministic fake values for the test harnesses: the product's (scripts/preview/fakes.ts), which the preview's deployed states use too. */
export { hex, uuidOf } from "../../scripts/preview/fakes";
