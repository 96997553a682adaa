#!/usr/bin/env bash
# Install the Debian packages minegas needs, if missing.
#   fonts-wqy-microhei  CJK glyphs embedded in Chinese PDF reports (WeasyPrint, matplotlib)
#   poppler-utils       pdffonts / pdftotext / pdftoppm, used by the report tests
#   libharfbuzz-subset0 font subsetting for WeasyPrint PDFs (without it WeasyPrint falls back and warns)
#   openjdk-17-jre-headless  Java for the PySpark engine-parity tests
#   postgresql          the registry tests run against a real PostgreSQL server
set -euo pipefail
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in fonts-wqy-microhei poppler-utils libharfbuzz-subset0; do have_pkg "$p" || need+=("$p"); done
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "minegas needs these Debian packages: ${need[*]}" >&2
  echo "install them with:  sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
