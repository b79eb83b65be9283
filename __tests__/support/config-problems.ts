/** The problems a config raises, for the config tests. */
import { ConfigError, parseEnvironment } from "../../modules/config/load";

/** Every problem parseEnvironment reports for `raw` as `file`; fails the test if it accepts it. */
export function problemsOf(raw: unknown, file = "config/qa.json", baseDir?: string): string[] {
  try {
    parseEnvironment(raw, file, baseDir);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error(`config was accepted: ${JSON.stringify(raw)}`);
}
