#!/usr/bin/env bash
# Runs scripts/install-zvonokd into temporary staging roots (as an unprivileged user when this
# runs as root and setpriv is there) and checks that every file lands where the unit and the
# README say, with its mode; that --prefix moves the binaries and the unit's ExecStart; that an
# edited configuration survives a reinstall; and that systemd-analyze verify accepts the staged
# unit and systemd-sysusers the staged user.
#
# Builds the release binaries when .build/release lacks them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

programs="zvonokd zvonokctl"
for program in $programs; do
    if [ ! -x ".build/release/$program" ]; then
        echo "install-staging: building .build/release/$program"
        swift build -c release --product "$program"
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"

passed=0
failed=0
check() { # check DESCRIPTION COMMAND...
    local description="$1"
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "install-staging: FAILED: $description" >&2
    fi
}
mode_is() { [ "$(stat -c %a "$2")" = "$1" ]; }

# Run the installer as nobody when we are root, to prove that staging needs no privilege.
as_installer() {
    if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 \
        && setpriv --reuid=nobody --regid=nogroup --clear-groups test -r etc/zvonok.production.yaml; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
    else
        "$@"
    fi
}
stage() { # stage DIR [ARGS...]
    local dir="$1"
    shift
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown nobody:nogroup "$dir" 2>/dev/null || true; fi
    as_installer scripts/install-zvonokd --destdir "$dir" --programs "$programs" "$@" >"$work/install.log" 2>&1 || {
        cat "$work/install.log" >&2
        echo "install-staging: scripts/install-zvonokd --destdir $dir $* failed" >&2
        exit 1
    }
}

# 1. The default prefix.
staging="$work/default"
stage "$staging"
for program in $programs; do
    check "$program installed executable" test -x "$staging/usr/local/bin/$program"
    check "$program is the release build" cmp -s ".build/release/$program" "$staging/usr/local/bin/$program"
done
check "zvonokctl runs from the staging root" bash -c '"$1" --help >/dev/null' _ "$staging/usr/local/bin/zvonokctl"
check "configuration is the production file" cmp -s etc/zvonok.production.yaml "$staging/etc/zvonok/zvonok.yaml"
check "configuration mode 0640" mode_is 640 "$staging/etc/zvonok/zvonok.yaml"
unit="$staging/lib/systemd/system/zvonokd.service"
check "unit installed" test -f "$unit"
check "unit mode 0644" mode_is 644 "$unit"
check "unit runs /usr/local/bin/zvonokd" grep -qx 'ExecStart=/usr/local/bin/zvonokd --config /etc/zvonok/zvonok.yaml' "$unit"
check "sysusers snippet installed" cmp -s systemd/zvonok.sysusers "$staging/usr/lib/sysusers.d/zvonok.conf"
expected=$( { for program in $programs; do echo "usr/local/bin/$program"; done
              echo etc/zvonok/zvonok.yaml; echo lib/systemd/system/zvonokd.service
              echo usr/lib/sysusers.d/zvonok.conf; } | sort)
actual=$(cd "$staging" && find . -type f | sed 's|^\./||' | sort)
check "nothing but the expected files (got: $actual)" test "$expected" = "$actual"

# 2. An edited configuration is kept on reinstall; the shipped one goes beside it.
echo "# edited by the operator" >>"$staging/etc/zvonok/zvonok.yaml"
stage "$staging"
check "edited configuration kept" grep -q '^# edited by the operator' "$staging/etc/zvonok/zvonok.yaml"
check "shipped configuration beside it as .new" cmp -s etc/zvonok.production.yaml "$staging/etc/zvonok/zvonok.yaml.new"

# 3. Another prefix moves the binaries and the unit's ExecStart.
other="$work/usr-prefix"
stage "$other" --prefix /usr
check "zvonokctl under /usr/bin" test -x "$other/usr/bin/zvonokctl"
check "unit runs /usr/bin/zvonokd" grep -qx 'ExecStart=/usr/bin/zvonokd --config /etc/zvonok/zvonok.yaml' \
    "$other/lib/systemd/system/zvonokd.service"

# 4. Bad arguments are refused.
check "a relative prefix is refused" bash -c '! scripts/install-zvonokd --destdir "$1" --prefix usr 2>/dev/null' _ "$work/bad"
check "an unknown program is refused" bash -c '! scripts/install-zvonokd --destdir "$1" --programs zvonokx 2>/dev/null' _ "$work/bad"

# 5. systemd accepts the unit and the user. verify resolves paths inside --root, so the check
# root is the staged tree plus the system's own units (sysinit.target, …) and /bin/kill
# (ExecReload).
if command -v systemd-analyze >/dev/null 2>&1; then
    check_root="$work/check-root"
    cp -a "$staging" "$check_root"
    mkdir -p "$check_root/lib/systemd/system" "$check_root/bin"
    for unit_dir in /lib/systemd/system /usr/lib/systemd/system; do
        [ -d "$unit_dir" ] && cp -an "$unit_dir/." "$check_root/lib/systemd/system/" 2>/dev/null || true
    done
    if [ -x /bin/kill ]; then cp /bin/kill "$check_root/bin/kill"; else printf '#!/bin/sh\n' >"$check_root/bin/kill"; fi
    chmod 0755 "$check_root/bin/kill"
    # verify exits 0 on some problems (an unknown key, an unparsable value), printing a warning:
    # any output at all is a failure.
    verify_output=$(systemd-analyze verify --root="$check_root" "$check_root/lib/systemd/system/zvonokd.service" 2>&1) \
        && verify_status=0 || verify_status=$?
    [ -z "$verify_output" ] || echo "$verify_output" >&2
    check "systemd-analyze verify accepts the unit" test "$verify_status" -eq 0 -a -z "$verify_output"
    if command -v systemd-sysusers >/dev/null 2>&1; then
        mkdir -p "$check_root/etc"
        : >>"$check_root/etc/passwd"
        : >>"$check_root/etc/group"
        check "systemd-sysusers accepts the snippet" \
            systemd-sysusers --root="$check_root" "$check_root/usr/lib/sysusers.d/zvonok.conf"
        check "the zvonok user has home /var/lib/zvonok" \
            grep -q '^zvonok:x:[0-9]*:[0-9]*:Zvonok SIP server:/var/lib/zvonok:' "$check_root/etc/passwd"
    else
        echo "install-staging: systemd-sysusers is not installed; skipping the sysusers check"
    fi
else
    echo "install-staging: systemd-analyze is not installed (apt-get install systemd); skipping the unit check"
fi

echo "install-staging: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
