/**
 * A strict JSON (RFC 8259) reader for config files that says *where* a problem is.
 *
 * JSON.parse reports a syntax error as a character offset (and, depending on the Node version, in
 * different words), and silently keeps the last of two equal keys in an object: `"firewall"` written
 * twice loses the first section without a word. This reader accepts exactly what JSON.parse accepts
 * (a test holds the two to the same answers), returns the same value, and reports
 * - the first syntax error, with line and column (1-based; columns count UTF-16 code units, as
 *   editors such as VS Code do for the characters config files hold);
 * - every duplicate key, with its object's path and both lines.
 * A UTF-8 byte-order mark at the start is the caller's to strip (it is not JSON).
 */

export interface JsonProblem {
  readonly line: number;
  readonly column: number;
  /** Config path of the object holding a duplicate key ("firewall", "" for the top level); absent for syntax errors. */
  readonly path?: string;
  readonly message: string;
}

export interface JsonReadResult {
  /** The parsed value; undefined when there is a syntax error. */
  readonly value?: unknown;
  /** A syntax error (then the only problem), or every duplicate key. */
  readonly problems: ReadonlyArray<JsonProblem>;
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Same path notation as the config messages: firewall.allowedDomains[2]. */
function pathText(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** A JSON number, matched where the reader stands (sticky). */
const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

const describeChar = (c: string | undefined): string => (c === undefined ? "end of file" : JSON.stringify(c));

export function readJson(text: string): JsonReadResult {
  // Line starts, for offset -> line:column.
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) lineStarts.push(i + 1);
  }
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };

  const duplicates: JsonProblem[] = [];
  let i = 0;

  const fail = (message: string, at = i): never => {
    throw new JsonSyntaxError(at, message);
  };
  const skipWhitespace = (): void => {
    while (i < text.length) {
      const c = text[i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
      else if (c === "/" && (text[i + 1] === "/" || text[i + 1] === "*")) fail("comments are not allowed in JSON");
      else break;
    }
  };

  const parseString = (): string => {
    const start = i;
    i++; // opening quote
    let out = "";
    let runStart = i;
    for (;;) {
      if (i >= text.length) fail("unterminated string (no closing '\"')", start);
      const c = text[i];
      if (c === '"') {
        out += text.slice(runStart, i);
        i++;
        return out;
      }
      if (c < " ") fail(`control character U+${c.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()} in a string: write it as an escape such as \\n or \\t`);
      if (c === "\\") {
        out += text.slice(runStart, i);
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("\\u must be followed by four hexadecimal digits");
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          fail(`invalid escape "\\${e ?? ""}" in a string (JSON has \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`);
        }
        runStart = i;
        continue;
      }
      i++;
    }
  };

  const parseNumber = (): number => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail("invalid number: a digit must follow \"-\"");
    const after = text[i + m[0].length];
    // "01", "1.", "1e", "0x10", "1a": JSON.parse refuses them too.
    if (after !== undefined && /[0-9.eE+\-a-zA-Z_]/.test(after)) fail(`invalid number "${m[0]}${after}" (JSON numbers have no leading zeros, hex, or trailing "." or exponent)`);
    i += m[0].length;
    return Number(m[0]);
  };

  const parseValue = (path: Array<string | number>): unknown => {
    skipWhitespace();
    const c = text[i];
    if (c === "{") return parseObject(path);
    if (c === "[") return parseArray(path);
    if (c === '"') return parseString();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return parseNumber();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    if (c === "'") fail("strings and names must be in double quotes (\"), not single quotes");
    if (c === undefined) fail("unexpected end of file: a value is missing");
    return fail(`unexpected ${describeChar(c)}: expected a value (object, array, string, number, true, false or null)`);
  };

  const parseObject = (path: Array<string | number>): Record<string, unknown> => {
    const obj: Record<string, unknown> = {};
    const seen = new Map<string, number>(); // key -> line of its first occurrence
    i++; // {
    skipWhitespace();
    if (text[i] === "}") {
      i++;
      return obj;
    }
    for (;;) {
      skipWhitespace();
      const keyAt = i;
      if (text[i] !== '"') {
        if (text[i] === "}") fail("trailing comma before '}' (JSON allows none)");
        if (text[i] === undefined) fail("unexpected end of file inside an object: '}' is missing");
        fail(`unexpected ${describeChar(text[i])}: property names must be strings in double quotes`);
      }
      const key = parseString();
      skipWhitespace();
      if (text[i] !== ":") fail(`expected ':' after the property name "${key}", found ${describeChar(text[i])}`);
      i++;
      const value = parseValue([...path, key]);
      const first = seen.get(key);
      if (first !== undefined) {
        duplicates.push({
          ...position(keyAt),
          path: pathText(path),
          message: `duplicate key "${key}" (first at line ${first}): JSON readers keep only the last one, so the other is silently lost; remove one`,
        });
      } else {
        seen.set(key, position(keyAt).line);
      }
      // As JSON.parse: an own data property, even for "__proto__" (never the prototype).
      Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return obj;
      }
      if (text[i] === undefined) fail("unexpected end of file inside an object: '}' is missing");
      fail(`expected ',' or '}' after the value of "${key}", found ${describeChar(text[i])}`);
    }
  };

  const parseArray = (path: Array<string | number>): unknown[] => {
    const arr: unknown[] = [];
    i++; // [
    skipWhitespace();
    if (text[i] === "]") {
      i++;
      return arr;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] === "]") fail("trailing comma before ']' (JSON allows none)");
      arr.push(parseValue([...path, arr.length]));
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return arr;
      }
      if (text[i] === undefined) fail("unexpected end of file inside an array: ']' is missing");
      fail(`expected ',' or ']' after an array element, found ${describeChar(text[i])}`);
    }
  };

  try {
    skipWhitespace();
    if (i >= text.length) fail("the file is empty: write a JSON object, e.g. { \"accountId\": \"111122223333\" }");
    const value = parseValue([]);
    skipWhitespace();
    if (i < text.length) fail(`unexpected ${describeChar(text[i])} after the end of the JSON value`);
    return { value, problems: duplicates };
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    return { problems: [{ ...position(e.offset), message: e.message }] };
  }
}

/** A leading UTF-8 byte-order mark, which some Windows editors write; it is not part of the JSON. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
