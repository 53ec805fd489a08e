set -eu
r=${SUPAFLEET_ROOT:-}
f=$r/var/lib/supafleet/files.json
for i in $(seq 0 $(($(jq length "$f") - 1))); do
  p=$(jq -r ".[$i].path" "$f")
  case $p in [!/]* | *..* | *[!A-Za-z0-9._/-]*) exit 1 ;; esac
  mkdir -p "$r${p%/*}"
  jq -j ".[$i].content" "$f" >"$r$p"
  chmod "$(jq -r ".[$i].permissions" "$f")" "$r$p"
done
