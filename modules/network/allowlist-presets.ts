/**
 * Allowlist presets: named bundles of exact host names for the tools SageMaker users reach for
 * (pip, conda, Hugging Face, GitHub), each with the public source that shows the tool needs each
 * name. A config lists `{ "preset": "pip" }` in firewall.allowedDomains instead of copying the
 * names, so the project, not every environment file, keeps them current.
 *
 * Rules every preset follows (a test holds them):
 * - exact names only, never ".example.com": a preset is trusted by name, so it must not widen to
 *   names nobody has checked;
 * - every name has a source (a project's own code or documentation) in `sources`, and a name
 *   without one is left out, even when third-party allowlists carry it;
 * - a name on shared hosting (anyone can publish under it: README, "Egress perimeter") is listed in
 *   `sharedHosting` with the reason it is accepted; the config then acknowledges it for the
 *   environment, and synth and the plan review show which preset brought it and why.
 *
 * Keeping it current: re-read each preset's sources (and, for Hugging Face, the list it publishes
 * at https://huggingface.co/.well-known/meta.json) when a tool's release notes mention new hosts,
 * or when users report a download blocked by the firewall (its alert log names the SNI). Add or
 * remove names here with the source that shows the change; each environment's next plan review
 * shows the names added or removed. A removed name that users still need breaks their downloads,
 * so prefer adding the new name one release before removing the old.
 */

/** Where a preset's names come from. */
export interface PresetSource {
  /** A web page (documentation, or a list the vendor publishes). */
  readonly url?: string;
  /** Or a file in a public repository: owner/name and the path in it. */
  readonly repo?: string;
  readonly path?: string;
  /** What it shows: the names it names, and where in it. */
  readonly shows: string;
}

export interface AllowlistPreset {
  /** What the preset opens, in one line (synth log, README). */
  readonly description: string;
  /** The clients that use these names. */
  readonly client: string;
  /** Exact host names (Network Firewall domain-list targets without a leading dot). */
  readonly names: ReadonlyArray<string>;
  /** Where each name comes from; every name appears in at least one `shows`. */
  readonly sources: ReadonlyArray<PresetSource>;
  /** Names of `names` on shared hosting, name => why the preset accepts it (at least 20 characters). */
  readonly sharedHosting?: Readonly<Record<string, string>>;
}

/** The presets' names. Adding a preset means adding its name here and its entry below. */
export type AllowlistPresetName = "pip" | "conda" | "huggingface" | "github";

/** Preset name => the preset. */
export const ALLOWLIST_PRESETS: Readonly<Record<AllowlistPresetName, AllowlistPreset>> = {
  pip: {
    description: "the Python Package Index: pip's index and its package files",
    client: "pip (and uv, poetry, pipenv with the default index)",
    names: ["pypi.org", "files.pythonhosted.org"],
    sources: [
      {
        repo: "pypa/pip",
        path: "src/pip/_internal/models/index.py",
        shows: 'PyPI = PackageIndex("https://pypi.org/", file_storage_domain="files.pythonhosted.org")',
      },
    ],
  },
  conda: {
    description: "conda's defaults channel and named channels (conda-forge, bioconda, pytorch)",
    client: "conda, mamba",
    names: ["repo.anaconda.com", "conda.anaconda.org"],
    sources: [
      {
        repo: "conda/conda",
        path: "conda/base/constants.py",
        shows: 'DEFAULT_CHANNELS_UNIX = ("https://repo.anaconda.com/pkgs/main", ".../pkgs/r"); DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org"',
      },
    ],
  },
  huggingface: {
    description: "Hugging Face Hub model and dataset downloads: the Hub API and the Xet and CDN hosts downloads redirect to",
    client: "huggingface_hub (hf download, from_pretrained, datasets), hf_xet, git-lfs",
    // Checked and left out: cas-bridge.xethub.hf.co (neither the Hub docs, huggingface_hub's source
    // and docs nor meta.json name it; third-party allowlists do), the regional CDN names under
    // aws.cdn.hf.co and us.gcp.cdn.hf.co that meta.json lists beyond the docs' table (the docs
    // say downloads use us.aws.cdn.hf.co / us.gcp.cdn.hf.co; add them if the alert log shows them).
    names: [
      "huggingface.co",
      "cas-server.xethub.hf.co",
      "cas-server.xethub-eu.hf.co",
      "transfer.xethub.hf.co",
      "transfer.xethub-eu.hf.co",
      "us.aws.cdn.hf.co",
      "us.gcp.cdn.hf.co",
      "cdn-lfs-us-1.hf.co",
      "cdn-lfs-eu-1.hf.co",
      "cdn-lfs.hf.co",
    ],
    sources: [
      {
        repo: "huggingface/hub-docs",
        path: "docs/hub/models-downloading.md",
        shows:
          '"Downloading behind a proxy or firewall": huggingface.co, cas-server.xethub.hf.co, cas-server.xethub-eu.hf.co, transfer.xethub.hf.co, ' +
          "transfer.xethub-eu.hf.co, us.aws.cdn.hf.co, us.gcp.cdn.hf.co, cdn-lfs-us-1.hf.co, cdn-lfs-eu-1.hf.co (same table in docs/hub/datasets-downloading.md)",
      },
      {
        url: "https://huggingface.co/.well-known/meta.json",
        shows:
          "the list Hugging Face publishes: hubDomains huggingface.co; lfsDomains cdn-lfs.hf.co, cdn-lfs-us-1.hf.co, cdn-lfs-eu-1.hf.co, transfer.xethub.hf.co, " +
          "transfer.xethub-eu.hf.co; cdnDomains us.aws.cdn.hf.co, us.gcp.cdn.hf.co (and regional names below them)",
      },
      {
        repo: "huggingface/huggingface_hub",
        path: "src/huggingface_hub/constants.py",
        shows: '_HF_DEFAULT_ENDPOINT = "https://huggingface.co"',
      },
    ],
  },
  github: {
    description:
      "GitHub: git clone and fetch over HTTPS with Git LFS objects, codeload archives and raw files; not release downloads, which may redirect to a host the preset does not include",
    client: "git, git-lfs, pip install git+https://..., curl/wget of archives and raw files",
    // Checked and left out:
    // - release-assets.githubusercontent.com: release downloads from github.com are seen redirecting
    //   there (a Homebrew log: "Downloading from https://release-assets.githubusercontent.com/
    //   github-production-release-asset/..."; other projects' egress allowlists), but no GitHub
    //   documentation read names it: not the runner doc or Copilot's allowlist below, nor the REST
    //   docs for release assets (they say only that a download may answer 302). The one GitHub-owned
    //   file found that names it, github/gh-aw pkg/workflow/data/ecosystem_domains.json, lists it
    //   for one experimental engine without saying what it serves, and not in every stored version.
    //   Users who need releases list it themselves, with its acknowledgement (README, "Presets").
    // - lfs.github.com: Copilot's allowlist lists it without a purpose; Git LFS finds its API from
    //   the remote (github.com/<owner>/<repo>.git/info/lfs), and the runner doc's LFS list omits it.
    // - github-cloud.s3.amazonaws.com: the runner doc lists it for Git LFS beside
    //   github-cloud.githubusercontent.com, but S3 reads the bucket from the HTTP request, which TLS
    //   hides from the firewall: allowing the name by SNI would not confine traffic to GitHub's
    //   bucket. Add it, acknowledged, if the alert log shows LFS transfers refused there.
    // - api.github.com: the REST API is not needed to clone or download.
    // github.com itself is the larger way out: anyone can push to a repository of their own over
    // it. The preset cannot narrow that (README, "Presets").
    names: ["github.com", "codeload.github.com", "objects.githubusercontent.com", "raw.githubusercontent.com", "github-cloud.githubusercontent.com"],
    sources: [
      {
        repo: "github/docs",
        path: "data/reusables/actions/runner-essential-communications.md",
        shows:
          '"Needed for essential operations": github.com; "Needed for downloading actions": codeload.github.com; "Needed for runner version updates": ' +
          "objects.githubusercontent.com (with objects-origin, github-releases and github-registry-files under githubusercontent.com); " +
          '"Needed for Git Large File Storage": github-cloud.githubusercontent.com, github-cloud.s3.amazonaws.com',
      },
      {
        repo: "github/docs",
        path: "content/copilot/reference/copilot-allowlist-reference.md",
        shows:
          '"GitHub: Content & API": raw.githubusercontent.com, objects.githubusercontent.com, lfs.github.com, github-cloud.githubusercontent.com, ' +
          "github-cloud.s3.amazonaws.com, codeload.github.com (and *.githubusercontent.com)",
      },
      {
        repo: "git-lfs/git-lfs",
        path: "docs/api/server-discovery.md",
        shows: 'Git LFS "will append `.git/info/lfs` to the end of a Git remote url to build the LFS server URL": a github.com remote\'s LFS API is on github.com',
      },
    ],
    // githubusercontent.com is in the Public Suffix List's private section: GitHub serves its users'
    // content under it. Each name below serves any user's, an attacker's included.
    sharedHosting: {
      "objects.githubusercontent.com":
        "GitHub serves content its users upload from this host, for every account, an attacker's included; the firewall sees only the name, so it cannot limit whose content is fetched",
      "raw.githubusercontent.com":
        "raw file downloads are served from this host for every public repository, an attacker's included; the firewall sees only the name, so it cannot limit which repository's files are fetched",
      "github-cloud.githubusercontent.com":
        "Git LFS objects are served from this host for every repository, an attacker's included; the firewall sees only the name, so it cannot limit which repository's objects are fetched",
    },
  },
};

/** The preset names, in a stable order (for messages and the editor schema). */
export const ALLOWLIST_PRESET_NAMES: ReadonlyArray<AllowlistPresetName> = (Object.keys(ALLOWLIST_PRESETS) as AllowlistPresetName[]).sort();
