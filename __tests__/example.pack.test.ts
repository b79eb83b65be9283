/**
 * The library as another team gets it: `npm pack` of this package (its prepack script builds
 * dist/), the tarball installed into a copy of examples/basic without the network, the example
 * compiled against the packed .d.ts, synthesized, and checked by `terraform validate`.
 *
 * Offline install: `npm install --offline` can only take a registry package from the npm cache
 * together with its registry metadata, which `npm ci` does not keep. So the registry packages
 * the example needs (its own dependencies and the library's, with their dependencies) are taken
 * from this project's node_modules, hard-linked (or, across file systems, symlinked) into the
 * example's before the install, and npm installs only the tarball. `--legacy-peer-deps`: npm
 * checks a peer dependency against registry metadata even when node_modules already satisfies it;
 * the example lists every peer itself, at the versions the library names.
 *
 * What the tarball holds is read from `npm pack --json`, the same listing `npm pack --dry-run --json`
 * and `npm publish --dry-run` print (the pack is real here because the example installs it), and from
 * the package as npm unpacked it into the example's node_modules. The release workflow publishes a
 * tarball made by the same `npm pack` (.github/workflows/release.yml).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { describeWithTerraform, terraform } from "./support/terraform";

const ROOT = join(__dirname, "..");
const EXAMPLE = join(ROOT, "examples", "basic");
const LIBRARY = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/** The child's environment without the npm_* variables of an enclosing `npm test` (they would configure the inner npm). */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_cache", "npm_config_userconfig"]);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_") || keep.has(k.toLowerCase())));
}

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: cleanEnv(), timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd} (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function packageJson(dir: string): { dependencies?: Record<string, string>; devDependencies?: Record<string, string>; bundleDependencies?: string[]; bundledDependencies?: string[] } {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
}

/** `names` and everything they depend on (bundled dependencies ship inside their package). */
function closure(names: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue = [...names];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const pkg = packageJson(join(ROOT, "node_modules", name));
    const bundled = new Set(pkg.bundleDependencies ?? pkg.bundledDependencies ?? []);
    queue.push(...Object.keys(pkg.dependencies ?? {}).filter((d) => !bundled.has(d)));
  }
  return seen;
}

/** Puts this project's installed `name` into `nodeModules`: hard links (a real copy to npm), else a symlink. */
function provide(nodeModules: string, name: string): void {
  const from = join(ROOT, "node_modules", name);
  const to = join(nodeModules, name);
  mkdirSync(dirname(to), { recursive: true });
  if (spawnSync("cp", ["-al", from, to]).status !== 0) {
    rmSync(to, { recursive: true, force: true });
    symlinkSync(from, to, "dir");
  }
}

/**
 * Files under `dir` (paths relative to it, "/"-separated); a directory `prune` names is one entry,
 * with a trailing "/", instead of its files.
 */
function filesUnder(dir: string, prune: (rel: string) => boolean, rel = ""): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return prune(path) ? [`${path}/`] : filesUnder(dir, prune, path);
    return [path];
  });
}

/**
 * Whether git ignores `path` (relative to the repository root; a directory ends in "/"), whether or
 * not it exists: git takes a path it cannot find for a file, so a directory is asked about through
 * a file in it.
 */
const gitIgnores = (path: string) => spawnSync("git", ["check-ignore", "-q", "--no-index", path.endsWith("/") ? `${path}probe` : path], { cwd: ROOT }).status === 0;

describe("the packed library, installed into examples/basic", () => {
  let work: string;
  let example: string;
  let tarballFiles: string[];
  let stackDir: string;
  let synthesized: Record<string, any>;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "sagemaker-anfw-example-"));
    const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], ROOT));
    tarballFiles = packed.files.map((f: { path: string }) => f.path);

    example = join(work, "example");
    cpSync(EXAMPLE, example, { recursive: true, filter: (src) => !/(^|\/)(node_modules|cdktf\.out)$|\.js$/.test(src.slice(EXAMPLE.length)) });
    const manifest = packageJson(example);
    expect(manifest.dependencies?.[LIBRARY.name]).toBe(`file:../../${packed.filename}`); // what the README's steps produce
    manifest.dependencies![LIBRARY.name] = `file:${join(work, packed.filename)}`;
    writeFileSync(join(example, "package.json"), JSON.stringify(manifest, null, 2));

    const registryPackages = [...Object.keys(manifest.dependencies!), ...Object.keys(manifest.devDependencies ?? {}), ...Object.keys(LIBRARY.dependencies)].filter((n) => n !== LIBRARY.name);
    for (const name of closure(registryPackages)) provide(join(example, "node_modules"), name);
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--legacy-peer-deps"], example);

    run(process.execPath, [join(example, "node_modules", "typescript", "bin", "tsc"), "-p", "."], example);
    run(process.execPath, ["main.js"], example);
    stackDir = join(example, "cdktf.out", "stacks", "basic");
    synthesized = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("the tarball holds the built library, its licence and changelog, and none of the app", () => {
    for (const file of ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "dist/index.js", "dist/index.d.ts"]) expect(tarballFiles).toContain(file);
    // The app (main.ts, stacks, config files, scripts, tests) and the TypeScript sources stay out.
    expect(tarballFiles.filter((f) => !f.startsWith("dist/") && !["package.json", "README.md", "LICENSE", "CHANGELOG.md"].includes(f))).toEqual([]);
    // The app's config schema and loader (zod) are not part of the library.
    expect(tarballFiles.filter((f) => /^dist\/config\/(schema|load|naming|json-schema)\./.test(f))).toEqual([]);
  });

  test("dist/ holds the library's modules only: each file is built from a modules/ source (no test, fixture, script, bench, stack or config)", () => {
    const dist = tarballFiles.filter((f) => f.startsWith("dist/"));
    expect(dist.length).toBeGreaterThan(0);
    const notFromModules = dist.filter((f) => !existsSync(join(ROOT, "modules", f.slice("dist/".length).replace(/(\.d)?\.ts$|\.js$/, ".ts"))));
    expect(notFromModules).toEqual([]);
    // Nor any other file a build or a run leaves next to them.
    expect(tarballFiles.filter((f) => /(^|\/)(__tests__|fixtures|cdktf\.out|node_modules|\.gen)\/|\.test\.|\.tsbuildinfo$|\.tgz$|(^|\/)(tsconfig[^/]*|cdktf)\.json$/.test(f))).toEqual([]);
  });

  test("the packed code needs only Node.js, its own files and the declared dependencies and peers (no dev dependency, so not the AGPL IAM simulator)", () => {
    const installed = join(example, "node_modules", LIBRARY.name);
    const allowed = new Set([...Object.keys(LIBRARY.dependencies ?? {}), ...Object.keys(LIBRARY.peerDependencies ?? {})]);
    const js = tarballFiles.filter((f) => f.endsWith(".js"));
    const problems: string[] = [];
    for (const file of js) {
      for (const [, spec] of readFileSync(join(installed, file), "utf8").matchAll(/\brequire\("([^"]+)"\)/g)) {
        if (spec.startsWith(".")) {
          const target = posix.normalize(posix.join(posix.dirname(file), spec));
          if (![target, `${target}.js`, `${target}/index.js`].some((t) => tarballFiles.includes(t))) problems.push(`${file}: ${spec} is not in the tarball`);
          continue;
        }
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
        if (!builtinModules.includes(spec.replace(/^node:/, "")) && !allowed.has(name)) problems.push(`${file}: requires ${name}, not a dependency or peer`);
      }
    }
    expect(problems).toEqual([]);
    // The IAM simulator the tests use is AGPL-licensed: not one file of the package may name it.
    const devOnly = Object.keys(LIBRARY.devDependencies).filter((d) => !allowed.has(d));
    expect(devOnly).toContain("@cloud-copilot/iam-simulate");
    // (package.json lists the dev dependencies by name, as every published package.json does: not code.)
    const naming = tarballFiles.filter((f) => f !== "package.json" && devOnly.some((d) => readFileSync(join(installed, f), "utf8").includes(`"${d}`)));
    expect(naming).toEqual([]);
  });

  test("every .js in the tarball has its .d.ts", () => {
    const js = tarballFiles.filter((f) => f.endsWith(".js"));
    expect(js.length).toBeGreaterThan(0);
    expect(js.filter((f) => !tarballFiles.includes(f.replace(/\.js$/, ".d.ts")))).toEqual([]);
  });

  test("the example synthesizes its two AZs, one notebook, and the network around it", () => {
    // examples/basic/main.ts: availabilityZones us-east-1a and us-east-1b, the notebook in us-east-1a.
    expect(Object.keys(synthesized.resource.aws_nat_gateway ?? {})).toHaveLength(2);
    expect(Object.keys(synthesized.resource.aws_subnet ?? {})).toHaveLength(6);
    expect(Object.keys(synthesized.resource.aws_networkfirewall_firewall ?? {})).toHaveLength(1);
    const notebooks = Object.values(synthesized.resource.aws_sagemaker_notebook_instance ?? {}) as Array<Record<string, any>>;
    expect(notebooks).toHaveLength(1);
    expect(notebooks[0]).toMatchObject({ direct_internet_access: "Disabled", root_access: "Disabled", instance_type: "ml.t3.medium", volume_size: 20 });
  });

  describeWithTerraform("terraform", () => {
    test("the example's Terraform is valid against the AWS provider's schema", () => {
      expect(existsSync(stackDir)).toBe(true);
      const r = terraform(stackDir, ["validate", "-json"], { providerServer: true });
      const result = JSON.parse(r.stdout);
      expect(result.diagnostics).toEqual([]);
      expect(r.code).toBe(0);
    });
  });

  // Issue 23: following the example's steps (npm install, then npm run synth: tsc and node main.js)
  // left an untracked package-lock.json in examples/basic. Run here in a copy, so whatever they create
  // is checked against the repository's ignore rules as if it were in examples/basic.
  test("the example's steps leave nothing in examples/basic that git would show as untracked", () => {
    const created = filesUnder(example, (dir) => gitIgnores(`examples/basic/${dir}/`)).filter((f) => !existsSync(join(EXAMPLE, f)));
    expect(created).toEqual(expect.arrayContaining(["main.js", "node_modules/", "cdktf.out/"])); // the steps did run here
    expect(created.filter((f) => !gitIgnores(`examples/basic/${f}`))).toEqual([]);
  });
});
