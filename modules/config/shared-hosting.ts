/**
 * Allowlist entries that open shared hosting: names under which anyone can rent a name of their
 * own (an S3 bucket, a CloudFront distribution, an API Gateway stage, a GitHub Pages site, a
 * tunnel). Allowing such a name by SNI/Host lets data leave to any customer of that host, so the
 * config refuses it unless the entry says why (`acknowledgeSharedHosting`).
 *
 * Sources:
 * - the PRIVATE section of the Public Suffix List (https://publicsuffix.org/list/, "private
 *   domains": suffixes under which a company lets its customers register names), through the
 *   `tldts` package, for names *under* such a suffix (foo.github.io, storage.googleapis.com,
 *   x.execute-api.us-east-1.amazonaws.com);
 * - SHARED_HOSTING_ZONES below, for entries that *cover* such a suffix from above (".amazonaws.com"
 *   covers s3.amazonaws.com) and for rentable hosts the PSL does not list (tunnels, request sinks).
 */
import { parse } from "tldts";

/**
 * Zones of shared hosting (each: rentable names at or below it). Mostly PSL PRIVATE entries or
 * their parents; the last group is not in the PSL (checked against its 2026-08-19 copy).
 */
export const SHARED_HOSTING_ZONES: ReadonlyArray<string> = [
  // AWS: buckets, API Gateway, Lambda URLs, CloudFront, EC2/ELB names, App Runner, Amplify,
  // Beanstalk, other customers' Studio domains and notebook instances
  "amazonaws.com",
  "on.aws",
  "sagemaker.aws",
  "cloudfront.net",
  "elasticbeanstalk.com",
  "awsapprunner.com",
  "amplifyapp.com",
  "awsglobalaccelerator.com",
  "awsapps.com",
  // Google
  "googleapis.com",
  "appspot.com",
  "run.app",
  "cloudfunctions.net",
  "gateway.dev",
  "web.app",
  "firebaseapp.com",
  "usercontent.goog",
  "translate.goog",
  "blogspot.com",
  // GitHub, GitLab, Bitbucket
  "github.io",
  "githubusercontent.com",
  "github.app",
  "githubpreview.dev",
  "gitlab.io",
  "bitbucket.io",
  // Microsoft
  "windows.net",
  "azurewebsites.net",
  "azurestaticapps.net",
  "azureedge.net",
  "azurefd.net",
  "azure-api.net",
  "trafficmanager.net",
  "cloudapp.net",
  "cloudapp.azure.com",
  "azurecontainerapps.io",
  // Cloudflare
  "pages.dev",
  "workers.dev",
  "r2.dev",
  "trycloudflare.com",
  // Platforms and tunnels
  "herokuapp.com",
  "netlify.app",
  "vercel.app",
  "vercel.dev",
  "now.sh",
  "fly.dev",
  "onrender.com",
  "railway.app",
  "ondigitalocean.app",
  "digitaloceanspaces.com",
  "ngrok.io",
  "ngrok.app",
  "ngrok.dev",
  "ngrok-free.app",
  "ngrok-free.dev",
  "repl.co",
  "replit.dev",
  "csb.app",
  "deno.dev",
  "streamlit.app",
  "hf.space",
  "duckdns.org",
  "ddns.net",
  "no-ip.org",
  // Not in the Public Suffix List
  "github.dev",
  "glitch.me",
  "surge.sh",
  "loca.lt",
  "serveo.net",
  "localhost.run",
  "pinggy.link",
  "webhook.site",
  "pipedream.net",
  "requestbin.net",
];

const under = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);

/**
 * Why a Network Firewall domain target ("host.example.com", or ".example.com" for the domain and
 * its subdomains) opens shared hosting, or undefined when it does not.
 */
export function sharedHostingProblem(target: string): string | undefined {
  const wide = target.startsWith(".");
  const name = wide ? target.slice(1) : target;
  const parsed = parse(name, { allowPrivateDomains: true });
  const zone = SHARED_HOSTING_ZONES.find((z) => under(name, z));
  if (zone) return `"${target}" is under ${zone}, where anyone can rent a name (shared hosting)`;
  if (parsed.publicSuffix === name) {
    return `"${target}" is a public suffix: it covers every name registered under it`;
  }
  if (wide) {
    const covered = SHARED_HOSTING_ZONES.filter((z) => z.endsWith(`.${name}`));
    if (covered.length) return `"${target}" covers ${covered.slice(0, 3).join(", ")}${covered.length > 3 ? ", ..." : ""}, where anyone can rent a name (shared hosting)`;
  }
  if (parsed.isPrivate) return `"${target}" is under ${parsed.publicSuffix}, a suffix whose names its customers register (Public Suffix List, private domains)`;
  return undefined;
}

/**
 * Why a target is, or covers all of, a public suffix of the ICANN section of the Public Suffix
 * List ("co.uk", ".co.uk", ".gov.uk"), or undefined. Such an entry admits every unrelated
 * registrant under the suffix, so no acknowledgement makes it acceptable: unlike a shared-hosting
 * zone (one company's customers), nobody answers for what is registered there. A name under a
 * suffix ("www.example.co.uk") is an ordinary name.
 */
export function publicSuffixProblem(target: string): string | undefined {
  const name = target.startsWith(".") ? target.slice(1) : target;
  const icann = parse(name, { allowPrivateDomains: false });
  if (icann.publicSuffix !== name || !icann.isIcann) return undefined;
  return (
    `"${target}" is a public suffix (Public Suffix List): it ${target.startsWith(".") ? "matches" : "stands for"} every name anyone registers under ${name}, ` +
    `and no acknowledgement can make that an allowlist; list the exact names you need, e.g. "www.example.${name}"`
  );
}
