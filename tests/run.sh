#!/usr/bin/env bash
# Builds gst-ego and runs the whole test suite.
#   ./tests/run.sh             build in build/, run every test
#   ./tests/run.sh --sanitize  the same in build-sanitize/ under ASan + UBSan
# Installs missing Debian packages first. Ends with "N passed, N failed";
# exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

builddir=build
setup_args=()
for arg in "$@"; do
  case "$arg" in
    --sanitize)
      builddir=build-sanitize
      setup_args+=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug)
      export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
      export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
      # scan plugins in the (instrumented) test process, not in the plain
      # gst-plugin-scanner, which cannot load an instrumented plugin
      export GST_REGISTRY_FORK=no
      export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
      ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

# shellcheck source=tests/deps.sh
. tests/deps.sh
ego_install_deps || exit 1

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "${setup_args[@]}" || exit 1
fi
ninja -C "$builddir" || { echo "0 passed, 1 failed"; exit 1; }

meson test -C "$builddir" --print-errorlogs --num-processes 2
status=$?

# Count test cases: each TAP line of a TAP program, each case of a GstCheck
# program (from its "Checks: N, Failures: F, Errors: E" line), each other
# program once.
/usr/bin/python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, re, sys
passed = failed = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout", "") + (t.get("stderr") or "")
    tap = [l for l in out.splitlines() if re.match(r"(not )?ok \d", l)]
    checks = re.findall(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)", out)
    if tap or checks:
        if tap:
            bad = sum(1 for l in tap if l.startswith("not ok"))
            cases = len(tap)
        else:
            n, f, e = (int(x) for x in checks[-1])
            bad, cases = f + e, n
        failed += bad
        passed += cases - bad
        if t["result"] not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
            failed += 1  # crashed or exited non-zero outside a case
    elif t["result"] in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif t["result"] != "SKIP":
        failed += 1
print(f"{passed} passed, {failed} failed")
PY
exit $status
