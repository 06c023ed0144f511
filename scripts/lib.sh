# Shared steps of scripts/test and scripts/demo: install what is missing, then build.
# Sourced, not run. Every install is skipped when the thing is already there.

# Debian packages the app, its tests and the demo need (DEVELOPERS.md lists the same).
DESK_DEBIAN_PACKAGES=(
  build-essential pkg-config libssl-dev libdbus-1-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  webkit2gtk-driver xvfb xauth scrot xdotool dbus dbus-x11 gnome-keyring libsecret-tools sqlite3
  # The server's tests run against a throwaway PostgreSQL cluster too (start_postgres).
  postgresql
  # The installed app's own needs (its .deb depends on xdg-utils), and the updater's way to
  # install a package with administrator rights when there is no pkexec (tests/e2e/update.test.mjs
  # installs the app with dpkg and updates it).
  xdg-utils sudo
)
DESK_MIN_NODE=20.19
DESK_MIN_RUST=1.89

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

version_at_least() { # version_at_least HAVE WANT
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

ensure_system_packages() {
  local missing=()
  for pkg in "${DESK_DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_toolchains() {
  command -v cargo >/dev/null || die "Rust is missing: install Rust $DESK_MIN_RUST or newer with rustup, then rerun"
  local rust; rust=$(rustc --version | awk '{print $2}')
  version_at_least "$rust" "$DESK_MIN_RUST" || die "Rust $rust is too old: $DESK_MIN_RUST or newer is needed (rustup update)"
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || die "cargo fmt and cargo clippy are missing and there is no rustup to add them"
    say "adding rustfmt and clippy"
    rustup component add rustfmt clippy
  fi
  command -v node >/dev/null || die "Node.js is missing: install Node.js $DESK_MIN_NODE or newer, then rerun"
  local node; node=$(node --version | tr -d v)
  version_at_least "$node" "$DESK_MIN_NODE" || die "Node.js $node is too old: $DESK_MIN_NODE or newer is needed"
}

ensure_npm_packages() {
  local dir
  for dir in ui tests/idp; do
    # npm ci wipes and reinstalls; skip it when the lockfile has not changed since the last one.
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      say "npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
}

# A venv outside the clone, filled from the hashed pins of a requirements.txt of the repository, for
# the Python parts of the tests:
#   ensure_pinned_venv VENV REQUIREMENTS WHAT
# It is made again when those pins change (the venv keeps a copy of the file it was made from) or
# when its Python is gone; WHAT says whose packages they are, for the message.
ensure_pinned_venv() {
  local venv=$1 requirements="$PWD/$2" what=$3
  [ -f "$requirements" ] || die "no $requirements: run this from the repository's top folder"
  # Debian's python3, with the venv module (a package of its own there).
  local python=/usr/bin/python3
  if [ ! -x "$python" ] || ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    say "installing Debian packages: python3 python3-venv"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
  fi
  if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$venv/requirements.txt"; then
    return 0
  fi
  say "installing $what in $venv"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
  # Only the pinned files, each checked against its hash; nothing from an extra folder of wheels.
  PIP_FIND_LINKS= "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-deps --require-hashes --only-binary=:all: -r "$requirements" \
    || { rm -rf "$venv"; die "could not install $requirements"; }
  # Written last: a venv without it is one whose install did not finish.
  cp "$requirements" "$venv/requirements.txt"
}

# The second test provider (tests/idp-py, idpyoidc), from tests/idp-py/requirements.txt.
# Afterwards DESK_PYIDP_PYTHON names the venv's python, the one to run tests/idp-py/server.py with.
DESK_PYIDP_VENV="${DESK_PYIDP_VENV:-$HOME/.cache/support-desk/idp-py-venv}"
# The SCIM provisioning check (tests/scim, scim2-client), from tests/scim/requirements.txt.
# Afterwards DESK_SCIM_PYTHON names the venv's python, the one to run tests/scim/check.py with.
DESK_SCIM_VENV="${DESK_SCIM_VENV:-$HOME/.cache/support-desk/scim-venv}"

ensure_python_provider() {
  export DESK_PYIDP_PYTHON="$DESK_PYIDP_VENV/bin/python"
  ensure_pinned_venv "$DESK_PYIDP_VENV" tests/idp-py/requirements.txt "the Python test provider's packages"
}

ensure_scim_client() {
  export DESK_SCIM_PYTHON="$DESK_SCIM_VENV/bin/python"
  ensure_pinned_venv "$DESK_SCIM_VENV" tests/scim/requirements.txt "the SCIM client's packages"
}

ensure_tauri_driver() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if ! command -v tauri-driver >/dev/null; then
    say "installing tauri-driver"
    cargo install tauri-driver --locked --quiet
  fi
}

# The Tauri CLI, which bundles the app into installers (`cargo tauri build`), at the version the
# project's release configuration (src-tauri/tauri.release.conf.json) was written for.
DESK_TAURI_CLI_VERSION=2.12.4

# The workspace's version (Cargo.toml [workspace.package]): the app's, unless a release is built
# as another (scripts/release --version).
workspace_version() {
  sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml
}

ensure_tauri_cli() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if ! cargo tauri --version 2>/dev/null | grep -qx "tauri-cli $DESK_TAURI_CLI_VERSION"; then
    say "installing tauri-cli $DESK_TAURI_CLI_VERSION (a few minutes, once)"
    cargo install tauri-cli --version "$DESK_TAURI_CLI_VERSION" --locked --quiet
  fi
}

# cargo-deny, at the version deny.toml is written for (its rust-version is the project's).
DESK_CARGO_DENY_VERSION=0.20.2

ensure_cargo_deny() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $DESK_CARGO_DENY_VERSION" ]; then
    say "installing cargo-deny $DESK_CARGO_DENY_VERSION"
    cargo install cargo-deny --version "=$DESK_CARGO_DENY_VERSION" --locked --quiet
  fi
}

# Set by a step that could not check what it is for (a database or a service out of reach), with
# the reason: scripts/test then reports the step as skipped, never as passed. A step that checked
# and found something fails as any other.
DESK_STEP_SKIPPED=""

# Every dependency is pinned by a committed lockfile: Cargo.lock current for every Cargo.toml
# (cargo refuses to change it under --locked), each package-lock.json committed (npm ci installs
# exactly it, and refuses one that does not match its package.json) and holding, for every package,
# the sha512 of its registry tarball, which npm checks (no git, file or plain-http source).
lockfiles_pinned() {
  cargo metadata --locked --format-version 1 >/dev/null || return 1
  if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files --error-unmatch Cargo.lock ui/package-lock.json tests/idp/package-lock.json >/dev/null || return 1
  fi
  local dir
  for dir in ui tests/idp; do
    node -e '
      const file = process.argv[1];
      const lock = JSON.parse(require("node:fs").readFileSync(file, "utf8"));
      if (!(lock.lockfileVersion >= 2)) {
        console.error(`${file}: lockfileVersion ${lock.lockfileVersion}: npm 7 or newer writes 2 or 3`);
        process.exit(1);
      }
      const loose = Object.entries(lock.packages)
        .filter(([path, p]) => path !== "" && !p.link)
        .filter(([, p]) => !/^sha512-/.test(p.integrity ?? "") || !/^(https:\/\/|$)/.test(p.resolved ?? ""))
        .map(([path]) => path);
      if (loose.length > 0) {
        console.error(`${file}: not pinned to a registry tarball by its sha512: ${loose.join(", ")}`);
        process.exit(1);
      }
    ' "$PWD/$dir/package-lock.json" || return 1
  done
  # The Python packages of the second test provider and of the SCIM check: each pinned to one
  # version and to its files' hashes (pip installs them with --require-hashes, and refuses anything
  # else).
  local requirements
  for requirements in tests/idp-py/requirements.txt tests/scim/requirements.txt; do
    node -e '
      const file = process.argv[1];
      const text = require("node:fs").readFileSync(file, "utf8").replace(/\\\n/g, " ");
      const loose = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))
        .filter((l) => !/^[A-Za-z0-9._-]+==[^\s]+(\s+--hash=sha256:[0-9a-f]{64})+(\s+#.*)?$/.test(l));
      if (loose.length > 0) {
        console.error(`${file}: not pinned by version and hash: ${loose.join("; ")}`);
        process.exit(1);
      }
    ' "$PWD/$requirements" || return 1
  done
}

# RustSec advisories (cargo deny check advisories) need the advisory database, which is fetched
# from outside the package registries and so cannot be had on every machine. Fetching and checking
# are two commands, so that a database out of reach (the step is skipped, saying so) can never pass
# for an advisory found (the step fails).
check_rust_advisories() {
  local err; err=$(mktemp)
  # Bounded: a network that drops packets instead of refusing must not hold the run.
  if ! timeout 180 cargo deny fetch db >/dev/null 2>"$err"; then
    DESK_STEP_SKIPPED="the RustSec advisory database could not be fetched ($(grep -m1 -iE 'fatal|error' "$err" | cut -c1-160)); run \`cargo deny check advisories\` where it can be"
    rm -f "$err"
    return 0
  fi
  rm -f "$err"
  cargo deny --offline --locked check --show-stats advisories
}

# npm audit of what ships (--omit=dev: the window's bundle and the test provider's runtime), for
# ui/ and tests/idp/. A registry whose audit service does not answer leaves that folder unaudited
# (the step is skipped, saying which and why); an answer with any vulnerability fails the step.
audit_npm() {
  local dir verdict unaudited=() status=0
  for dir in ui tests/idp; do
    verdict=$(cd "$dir" && timeout 180 npm audit --omit=dev --json 2>/dev/null | node -e '
      let text = "";
      process.stdin.on("data", (d) => (text += d)).on("end", () => {
        let report;
        try { report = JSON.parse(text); } catch { report = {}; }
        const counts = report.metadata?.vulnerabilities;
        if (counts && typeof counts.total === "number") {
          console.log(counts.total === 0 ? "clean" : `vulnerable ${JSON.stringify(counts)}`);
        } else {
          console.log(`unanswered ${String(report.message ?? report.error?.summary ?? "no report").slice(0, 160)}`);
        }
      });
    ')
    case "$verdict" in
      clean) echo "    $dir: npm audit --omit=dev found no vulnerability" ;;
      vulnerable*)
        echo "    $dir: npm audit --omit=dev: ${verdict#vulnerable }"
        (cd "$dir" && npm audit --omit=dev) || true
        status=1 ;;
      *) unaudited+=("$dir (${verdict#unanswered })") ;;
    esac
  done
  if [ ${#unaudited[@]} -gt 0 ]; then
    DESK_STEP_SKIPPED="the registry's audit service did not answer for ${unaudited[*]}"
  fi
  return "$status"
}

use_persistent_target_dir() {
  # Outside the clone, so a fresh clone on the same machine reuses earlier builds.
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/support-desk/target}"
  mkdir -p "$CARGO_TARGET_DIR"
}

build_ui() {
  say "building ui/"
  (cd ui && npm run --silent build >/dev/null)
}

# Starts Xvfb on a free display and exports DISPLAY; the caller's EXIT trap should call stop_xvfb.
start_xvfb() {
  local n=99
  while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
  Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  DESK_XVFB_PID=$!
  export DISPLAY=":$n"
  for _ in $(seq 50); do
    [ -e "/tmp/.X11-unix/X$n" ] && return 0
    sleep 0.1
  done
  die "Xvfb did not start on :$n"
}

stop_xvfb() { [ -n "${DESK_XVFB_PID:-}" ] && kill "$DESK_XVFB_PID" 2>/dev/null || true; }

# Starts a throwaway PostgreSQL cluster for the server's tests and exports DESK_TEST_POSTGRES, the
# URL of its superuser `desk` (a random password) on the cluster's `postgres` database; tests make a
# database each from it (desk_testkit::postgres). Data, log and socket live in one temporary folder
# that only the cluster's user can open; it listens on loopback only, with scram-sha-256 for every
# connection. Debian keeps initdb and pg_ctl off PATH, under the server package's versioned folder;
# run as root (CI), the cluster runs as the `postgres` user the package made. No fsync: nothing in
# it outlives the run. The caller's EXIT trap should call stop_postgres.
start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] \
    || die "PostgreSQL's server programs (initdb, pg_ctl) are missing: install the Debian package postgresql"
  DESK_PG_DIR=$(mktemp -d)
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$DESK_PG_DIR"
    as=(runuser -u postgres --)
  fi
  local password
  password=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
  (umask 077 && printf '%s\n' "$password" >"$DESK_PG_DIR/password")
  [ ${#as[@]} -eq 0 ] || chown postgres: "$DESK_PG_DIR/password"
  "${as[@]}" "$bin/initdb" -D "$DESK_PG_DIR/data" -U desk --pwfile="$DESK_PG_DIR/password" \
    --auth=scram-sha-256 -E UTF8 >"$DESK_PG_DIR/initdb.log" 2>&1 \
    || { cat "$DESK_PG_DIR/initdb.log" >&2; die "initdb failed for the test cluster"; }
  rm -f "$DESK_PG_DIR/password"
  local port attempt
  for attempt in 1 2 3; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if "${as[@]}" "$bin/pg_ctl" -D "$DESK_PG_DIR/data" -l "$DESK_PG_DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $DESK_PG_DIR -c fsync=off -c full_page_writes=off -c max_connections=400" \
      start >/dev/null; then
      DESK_PG_BIN=$bin
      export DESK_TEST_POSTGRES="postgres://desk:$password@127.0.0.1:$port/postgres"
      return 0
    fi
    say "the test PostgreSQL cluster did not start on port $port (attempt $attempt)"
  done
  tail -n 20 "$DESK_PG_DIR/server.log" >&2 || true
  die "the test PostgreSQL cluster did not start"
}

stop_postgres() {
  [ -n "${DESK_PG_DIR:-}" ] || return 0
  if [ -n "${DESK_PG_BIN:-}" ]; then
    local as=()
    [ "$(id -u)" -ne 0 ] || as=(runuser -u postgres --)
    "${as[@]}" "$DESK_PG_BIN/pg_ctl" -D "$DESK_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DESK_PG_DIR"
}

# Runs COMMAND in a D-Bus session of its own whose Secret Service is gnome-keyring with an
# unlocked login keyring in a temporary XDG_DATA_HOME (removed afterwards: a person's own keyring
# is never opened); COMMAND's exit status is its own. D-Bus starts the daemon when it is first
# asked (start_keyring asks) from the session's own activation file, which unlocks the keyring,
# and so again, unlocked over the same files, should the daemon end: gnome-keyring 42 now and then
# ends on a failed assertion of its own when clients come and go fast (kernel log: "trap int3 …
# in libglib"). Its entries are kept, and desk-auth tries a keychain call in flight then once
# more. Afterwards it says how often that happened and what the daemon printed.
with_keyring_session() {
  local home status=0 starts
  home=$(mktemp -d)
  mkdir -p "$home/dbus-1/services"
  # The test keyring's password (nothing else opens it), read by each daemon started.
  printf '%s' support-desk-test-keyring >"$home/keyring-password"
  printf '%s\n' '[D-BUS Service]' 'Name=org.freedesktop.secrets' \
    "Exec=/bin/sh -c 'exec gnome-keyring-daemon --components=secrets --foreground --unlock <$home/keyring-password >>$home/gnome-keyring.log 2>&1'" \
    >"$home/dbus-1/services/org.freedesktop.secrets.service"
  XDG_DATA_HOME=$home dbus-run-session -- "$@" || status=$?
  # The daemon prints its control folder once per start.
  starts=$(grep -c '^GNOME_KEYRING_CONTROL=' "$home/gnome-keyring.log" 2>/dev/null || true)
  if [ "${starts:-0}" -gt 1 ]; then
    echo "note: gnome-keyring ended $((starts - 1)) time(s) during the run (killed by a test, or" \
      "a crash); D-Bus started it again, unlocked, with its entries" >&2
    grep -v '^GNOME_KEYRING_CONTROL=' "$home/gnome-keyring.log" | tail -n 20 | sed 's/^/  gnome-keyring: /' >&2
  fi
  rm -rf "$home"
  return "$status"
}

# Inside with_keyring_session: has D-Bus start the Secret Service now (a failure is said here, not
# by the first test that needs it).
start_keyring() {
  [ -f "${XDG_DATA_HOME:-}/dbus-1/services/org.freedesktop.secrets.service" ] \
    || die "start_keyring runs inside with_keyring_session"
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.StartServiceByName string:org.freedesktop.secrets uint32:0 >/dev/null \
    || die "gnome-keyring's Secret Service did not start on the D-Bus session"
}

# WebKitGTK under Xvfb renders only without compositing and without the DMA-BUF renderer.
export WEBKIT_DISABLE_COMPOSITING_MODE=1
export WEBKIT_DISABLE_DMABUF_RENDERER=1
