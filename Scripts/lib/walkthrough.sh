# Shared by the scripts that run one of the README's walk-throughs exactly as written
# (Scripts/sharing-demo, Scripts/log-demo), sourced from the checkout's root:
#
#   walkthrough_prepare <marker> <name>   the block after "<!-- <marker> -->" in README.md, on a
#                                         fresh copy of the sample in $work (cd'd into), with
#                                         $work/bin first on PATH holding compe
#   walkthrough_run                       runs it with bash -euo pipefail -x (it stops on any
#                                         failing command)
#
# COMPE_BINARY=path uses that compe (Scripts/test: its AddressSanitizer build); otherwise the
# debug build (COMPE_CONFIG=release for the release one). KEEP=1 keeps the copy.

walkthrough_prepare() {
  local marker="$1" name="$2" config="${COMPE_CONFIG:-debug}"
  if [[ -n "${COMPE_BINARY:-}" ]]; then
    bin="$(realpath "$COMPE_BINARY")"
  else
    swift build -c "$config" --product compe >/dev/null
    bin="$(swift build -c "$config" --show-bin-path)/compe"
  fi
  work="$(mktemp -d "/tmp/compe-$name-XXXXXX")"
  trap walkthrough_finish EXIT
  python3 - README.md "$marker" > "$work/walkthrough.sh" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
marker = f"<!-- {sys.argv[2]} -->\n```sh\n"
if marker not in text:
    sys.exit(f"README.md has no block after <!-- {sys.argv[2]} -->")
print(text.split(marker, 1)[1].split("\n```", 1)[0])
PY
  cp -r Content Static "$work/"
  mkdir -p "$work/bin"
  ln -s "$bin" "$work/bin/compe"
  cd "$work"
}

walkthrough_finish() {
  if [[ -n "${KEEP:-}" ]]; then echo "kept $work"; else rm -rf "$work"; fi
}

walkthrough_run() {
  echo "== the README's walk-through, as written"
  PATH="$work/bin:$PATH" bash -euo pipefail -x walkthrough.sh
  echo "== checks"
}
