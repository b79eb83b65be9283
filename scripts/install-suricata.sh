#!/usr/bin/env bash
# Installs Suricata for the firewall engine test layer (docs/testing.md) on Debian 12 (bookworm):
# Debian's bookworm-backports suite has Suricata 7.0.x (bookworm itself has 6.0). Adds the suite to
# apt's sources (the same mirror and key as the machine's bookworm entry) when it is missing. Needs root.
# Does nothing when a suricata 7 or 8 is already on PATH.
set -euo pipefail
if command -v suricata >/dev/null 2>&1 && suricata -V 2>/dev/null | grep -Eq 'version [78]\.'; then
  suricata -V
  exit 0
fi
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # The machine's Debian mirror: deb822 (debian.sources) or a classic sources.list; else Debian's own.
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "${mirror:-http://deb.debian.org/debian}" \
    > /etc/apt/sources.list.d/bookworm-backports.sources
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -q -t bookworm-backports --no-install-recommends suricata >/dev/null
suricata -V
