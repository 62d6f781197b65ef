#!/usr/bin/env bash
# Prints the URI of the Debian archive this machine already installs SUITE from, as its own apt
# sources name it (deb822 *.sources first, then one-line sources.list and *.list), so that a
# source CI adds for another suite of the same release uses the same mirror.
# Usage: bash .ci/debian-archive-uri.sh SUITE [APT_DIR]   (APT_DIR defaults to /etc/apt)
set -euo pipefail
suite=$1
apt_dir=${2:-/etc/apt}

from_deb822() {
  # One stanza per blank-line-separated block; a stanza with "Enabled: no" does not count.
  awk -v suite="$suite" '
    function stanza_end() { if (uri != "" && serves && enabled && !found) { print uri; found = 1 } uri = ""; serves = 0; enabled = 1 }
    BEGIN { enabled = 1 }
    FNR == 1 { stanza_end() }
    /^[[:space:]]*$/ { stanza_end(); next }
    /^[[:space:]]*#/ { next }
    tolower($1) == "uris:" { uri = $2 }
    tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) serves = 1 }
    tolower($1) == "enabled:" && tolower($2) == "no" { enabled = 0 }
    END { stanza_end() }' "$@"
}

from_one_line() {
  # "deb [options] URI SUITE COMPONENTS...": drop the bracketed options, then read the fields.
  sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$@" | awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }'
}

shopt -s nullglob
deb822=("$apt_dir"/sources.list.d/*.sources)
one_line=()
[ -f "$apt_dir/sources.list" ] && one_line+=("$apt_dir/sources.list")
one_line+=("$apt_dir"/sources.list.d/*.list)

uri=""
[ ${#deb822[@]} -gt 0 ] && uri=$(from_deb822 "${deb822[@]}" | head -n 1)
[ -z "$uri" ] && [ ${#one_line[@]} -gt 0 ] && uri=$(from_one_line "${one_line[@]}" | head -n 1)
if [ -z "$uri" ]; then
  echo "No apt source in $apt_dir serves the suite $suite; add one (deb822 or one-line) and run again." >&2
  exit 1
fi
echo "$uri"
