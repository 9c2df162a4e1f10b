# shellcheck shell=bash
# Shared helpers for the kernel test scripts (prepare.sh, build-in.sh, boot.sh,
# smoke.sh).  Source it; it defines functions and a few variables only.
#
#   BPFX_CACHE        persistent cache (debs, unpacked kernels, userland roots,
#                     private APT state). Default /var/cache/bpfx.
#   BPFX_WORK         per-run outputs (env files, logs). Default $BPFX_CACHE/work.
#   BPFX_APT_MAX_AGE  seconds after which package lists are refreshed
#                     (default 3600; 0 = always). Versions are re-resolved
#                     from the lists on every run regardless.
#   BPFX_ARCH         Debian architecture of the kernel at hand: a row's arch
#                     (prepare.sh sets it from tests/kernels.list; the env
#                     file records it). Another one than this host's (arm64)
#                     is cross-built the Debian way: its headers, this host's
#                     linux-kbuild, the CROSS_COMPILE toolchain; its APT
#                     state carries the architecture in its name.

BPFX_CACHE=${BPFX_CACHE:-/var/cache/bpfx}
BPFX_WORK=${BPFX_WORK:-$BPFX_CACHE/work}
BPFX_APT_MAX_AGE=${BPFX_APT_MAX_AGE:-3600}
BPFX_KEYRING=${BPFX_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
BPFX_ARCH=${BPFX_ARCH:-$(dpkg --print-architecture)}
# The build machine's architecture: its linux-kbuild runs kbuild's tools.
BPFX_HOST_ARCH=$(dpkg --print-architecture)
# A guest's time limit in seconds (boot.sh; check.sh gives a KASAN kernel
# three times it), BPFX_BOOT_TIMEOUT to change it. Healthy guests on this
# project's 2-core host took 207 s alone, 557-564 s four at once, and up to
# 811 s in a KERNELS=all run while the hypervisor stole 0-45% of the host's
# CPU.
bpfx_boot_timeout=${BPFX_BOOT_TIMEOUT:-1800}
# Cross-building: the kernel's architecture is not this machine's.
bpfx_cross() { [ "$BPFX_ARCH" != "$BPFX_HOST_ARCH" ]; }

# ---------------------------------------------------------------- logging
BPFX_LOG_TAG=${BPFX_LOG_TAG:-$(basename "${0:-bpfx}" .sh)}

msg() { printf '[%s] %s\n' "$BPFX_LOG_TAG" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$BPFX_LOG_TAG" "$*" >&2; exit 1; }

# Monotonic-ish wall clock with sub-second resolution (bash 5 builtin).
bpfx_now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
bpfx_elapsed() { awk -v a="$1" -v b="$(bpfx_now)" 'BEGIN{printf "%.2f", b-a}'; }

# step NAME CMD...: run CMD, report its duration.  A failure still aborts
# the script (errexit), with the step name in the message.
step() {
	local name=$1 t0 rc=0
	shift
	t0=$(bpfx_now)
	"$@" || rc=$?
	if [ "$rc" -ne 0 ]; then
		die "step '$name' failed (exit $rc) after $(bpfx_elapsed "$t0") s"
	fi
	msg "time: $name $(bpfx_elapsed "$t0") s"
}

# Serialise concurrent runs that touch the same cache object.
# bpfx_lock NAME FD opens FD on a lock file and waits for it; release with
# "flock -u FD" or by exiting.  Callers use distinct FDs for nesting.
bpfx_lock() {
	mkdir -p "$BPFX_CACHE/locks"
	eval "exec $2>\"\$BPFX_CACHE/locks/\$1.lock\""
	flock "$2"
}

# ---------------------------------------------------------------- kernels
# The kernels are data: tests/kernels.list, one row per kernel (see there).
BPFX_KERNELS_LIST=${BPFX_KERNELS_LIST:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/kernels.list}

# The rows, comments and blank lines dropped.
bpfx_list() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$BPFX_KERNELS_LIST"; }

# bpfx_row NAME: the row called NAME (or with NAME among its aliases) into
# ROW ROW_SUITES ROW_FLAVOUR ROW_ARCH ROW_USERLAND ROW_SET ROW_ALIASES
# ROW_STATUS (empty, or "unsupported <why>").
bpfx_row() {
	local line
	line=$(bpfx_list | awk -v n="$1" '$1 == n { print; exit }
		{ k = split($7, a, ","); for (i = 1; i <= k; i++) if (a[i] == n) { print; exit } }')
	[ -n "$line" ] || die "unknown kernel '$1' (tests/kernels.list has: $(bpfx_list | awk '{ printf "%s%s ", $1, ($7 != "-" ? " (" $7 ")" : "") }'))"
	read -r ROW ROW_SUITES ROW_FLAVOUR ROW_ARCH ROW_USERLAND ROW_SET ROW_ALIASES ROW_STATUS <<<"$line"
}

# The canonical row name for a name or alias (dies if unknown).
bpfx_norm_kver() { bpfx_row "$1" && echo "$ROW"; }

# bpfx_select [NAME|SET]...: row names, in the file's order ("default"
# when nothing is given). A SET is a value of the list's set column
# (default, debug); "all" is every Debian kernel: the default and all sets.
bpfx_select() {
	local n rows want=" "
	[ $# -gt 0 ] || set -- default
	for n; do
		case $n in
		all) want+="$(bpfx_list | awk '$6 == "default" || $6 == "all" { printf "%s ", $1 }')" ;;
		*)
			rows=$(bpfx_list | awk -v s="$n" '$6 == s { printf "%s ", $1 }')
			if [ -z "$rows" ]; then
				bpfx_row "$n" || return 1; rows="$ROW "
			fi
			want+=$rows ;;
		esac
	done
	bpfx_list | awk -v w="$want" '{ if (index(w, " " $1 " ")) print $1 }'
}

# bpfx_baseline_row [ARCH]: the first row of ARCH (default: this host's):
# the BTF the programs for that arch are built against.
bpfx_baseline_row() { bpfx_list | awk -v a="${1:-$BPFX_HOST_ARCH}" '$4 == a { print $1; exit }'; }

# The release this machine runs (bookworm on a Debian 12 host): rows whose
# userland is this are built on the host.
bpfx_host_userland() {
	[ -z "${BPFX_HOST_USERLAND:-}" ] || { echo "$BPFX_HOST_USERLAND"; return; }
	(. /etc/os-release && echo "${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}")
}

# APT state of another architecture than amd64 carries it in its name.
# The kernel's name (ARCH=) for a Debian architecture: amd64 -> x86.
bpfx_kernel_arch() { case $1 in amd64) echo x86 ;; *) echo "$1" ;; esac; }
bpfx_arch_suffix() { [ "$BPFX_ARCH" = amd64 ] || echo "-$BPFX_ARCH"; }
# What prepare.sh measured about a row (its arch among it: rows are per arch).
bpfx_env_file() { echo "$BPFX_WORK/kernels/$(bpfx_norm_kver "$1").env"; }

# ---------------------------------------------------------------- mirror
# Print the archive URI that serves suite $1, read from this machine's own
# APT configuration; we never hard-code a mirror.  "apt-get indextargets"
# lets apt itself parse both deb822 (*.sources) and one-line (*.list)
# files; when it yields nothing (e.g. lists never downloaded) we parse the
# files ourselves.
bpfx_mirror_for_suite() {
	local suite=$1 uri
	uri=$(apt-get indextargets --no-release-info \
		--format '$(TARGET_OF) $(RELEASE) $(REPO_URI)' 2>/dev/null |
		awk -v s="$suite" '$1=="deb" && $2==s {print $3; exit}')
	if [ -z "$uri" ]; then
		uri=$(bpfx_parse_sources "$suite" \
			/etc/apt/sources.list /etc/apt/sources.list.d/*.list \
			/etc/apt/sources.list.d/*.sources)
		uri=${uri%%$'\n'*}
	fi
	uri=${uri%/}
	[ -n "$uri" ] || die "no APT source for suite '$suite' in this machine's apt configuration"
	printf '%s\n' "$uri"
}

# bpfx_mirror_for SUITE: the URI for any Debian suite, from this machine's
# apt configuration: the suite's own entry if there is one; else a
# *-security suite lives where the host release's security suite does, and
# every other suite (backports, the next release, sid, experimental) in the
# archive that serves the host release.
bpfx_mirror_for() {
	local uri host
	uri=$(bpfx_mirror_for_suite "$1" 2>/dev/null) && { echo "$uri"; return; }
	host=$(bpfx_host_userland)
	case $1 in
	*-security) bpfx_mirror_for_suite "$host-security" ;;
	*) bpfx_mirror_for_suite "$host" ;;
	esac
}

# bpfx_parse_sources SUITE FILE...: "deb" URIs carrying SUITE (first per file).
# Handles one-line entries ("deb [opts] URI SUITE COMP...") and deb822
# stanzas (Types/URIs/Suites, blank-line separated, Enabled: no skipped).
bpfx_parse_sources() {
	local suite=$1
	shift
	local f
	for f in "$@"; do
		[ -r "$f" ] || continue
		case "$f" in
		*.sources)
			awk -v s="$suite" '
				function flush() {
					if (types ~ /(^| )deb( |$)/ && enabled != "no") {
						n = split(suites, a, " ")
						for (i = 1; i <= n; i++) if (a[i] == s) { split(uris, u, " "); print u[1]; found = 1; exit }
					}
					types = uris = suites = ""; enabled = "yes"
				}
				BEGIN { enabled = "yes" }
				/^[ \t]*#/ { next }
				/^[ \t]*$/ { flush(); next }
				{
					line = $0; key = tolower(line); sub(/:.*/, "", key)
					val = line; sub(/^[^:]*:[ \t]*/, "", val)
					if (key == "types") types = val
					else if (key == "uris") uris = val
					else if (key == "suites") suites = val
					else if (key == "enabled") enabled = tolower(val)
				}
				END { if (!found) flush() }' "$f"
			;;
		*)
			awk -v s="$suite" '
				/^[ \t]*deb[ \t]/ {
					line = $0; sub(/#.*/, "", line)
					gsub(/\[[^]]*\]/, "", line)      # drop [arch=... signed-by=...]
					n = split(line, w, " ")
					if (n >= 3 && w[3] == s) { print w[2]; exit }
				}' "$f"
			;;
		esac
	done
}

# ---------------------------------------------------------------- APT
# Private APT state per extra suite (bookworm-backports, sid) under the
# cache: own sources list, lists and archive cache; the system's sources
# and lists are never read or written by it.  One root per suite keeps the
# metapackage candidate unambiguous (sid would otherwise win over bpo).
# Per architecture too: the host is not multiarch, a kernel of another
# architecture (arm64) gets lists of its own.
bpfx_apt_root() { echo "$BPFX_CACHE/apt/${1//,/+}$(bpfx_arch_suffix)"; }

# bpfx_apt_setup SUITES: private sources for a comma-separated suite list.
bpfx_apt_setup() {
	local suites=$1 root s m
	root=$(bpfx_apt_root "$suites")
	mkdir -p "$root/lists/partial" "$root/cache/archives/partial" "$root/etc/preferences.d" "$root/etc/sources.list.d"
	: >"$root/etc/sources.list.new"
	for s in ${suites//,/ }; do
		m=$(bpfx_mirror_for "$s") || die "no mirror for $s"
		printf 'deb [signed-by=%s] %s %s main\n' "$BPFX_KEYRING" "$m" "$s" >>"$root/etc/sources.list.new"
	done
	if ! cmp -s "$root/etc/sources.list.new" "$root/etc/sources.list" 2>/dev/null; then
		mv "$root/etc/sources.list.new" "$root/etc/sources.list"
		rm -f "$root/updated.stamp"   # source changed: lists are stale
	else
		rm -f "$root/etc/sources.list.new"
	fi
	msg "apt[$suites$(bpfx_arch_suffix)]: $(cut -d' ' -f3- "$root/etc/sources.list" | tr '\n' ';')"
}

# bpfx_apt SUITE apt-get|apt-cache ARGS...: run an APT tool with the
# private configuration of SUITE (comma-separated suites).
bpfx_apt() {
	local suite=$1 tool=$2 root
	shift 2
	root=$(bpfx_apt_root "$suite")
	mkdir -p "$root"
	# The image disables apt's binary cache (Dir::Cache::pkgcache ""), so
	# every apt-cache call would re-parse all lists (~0.9 s).  Keep our
	# own cache file; apt revalidates it against the lists itself.
	set -- -o Dir::Cache::pkgcache="$root/pkgcache.bin" \
		-o Dir::Cache::srcpkgcache="$root/srcpkgcache.bin" "$@"
	"$tool" \
		-o Dir::Etc::sourcelist="$root/etc/sources.list" \
		-o Dir::Etc::sourceparts="$root/etc/sources.list.d" \
		-o Dir::Etc::preferencesparts="$root/etc/preferences.d" \
		-o Dir::State::Lists="$root/lists" \
		-o Dir::Cache="$root/cache" \
		-o Acquire::Check-Valid-Until=false \
		-o APT::Architecture="$BPFX_ARCH" \
		-o APT::Architectures::="$BPFX_ARCH" \
		"$@"
}

# Refresh lists of SUITE when older than BPFX_APT_MAX_AGE.
bpfx_apt_update() {
	local suite=$1 stamp age
	stamp=$(bpfx_apt_root "$suite")/updated.stamp
	age=$BPFX_APT_MAX_AGE
	fresh() { [ -f "$stamp" ] && [ $(($(date +%s) - $(stat -c %Y "$stamp"))) -lt "$age" ]; }
	# Fresh lists were made from the current sources: the mirror lookup
	# (apt-get indextargets, seconds on a loaded host) is only redone
	# with the lists.
	fresh || bpfx_apt_setup "$suite"
	bpfx_lock "apt-${suite//,/+}$(bpfx_arch_suffix)" 8
	if fresh; then
		msg "apt[$suite]: lists fresh (< ${age}s), not updating"
	else
		bpfx_apt "$suite" apt-get -q update >&2 || die "apt-get update failed for $suite"
		touch "$stamp"
	fi
	flock -u 8
}

# Candidate version of package $2 in suite $1 (empty if unknown).
# awk reads to the end: exiting early would SIGPIPE apt-cache, which fails
# callers running under pipefail (seen with zlib1g-dev's long record).
bpfx_candidate() {
	bpfx_apt "$1" apt-cache show --no-all-versions "$2" 2>/dev/null |
		awk '!v && /^Version:/ { v = $2 } END { if (v) print v }'
}

# Package names in the Depends of the candidate of $2 matching regex $3.
bpfx_depends_matching() {
	bpfx_apt "$1" apt-cache show --no-all-versions "$2" 2>/dev/null |
		awk -v re="$3" '!done && /^Depends:/ {
			sub(/^Depends:[ \t]*/, ""); n = split($0, d, ",")
			for (i = 1; i <= n; i++) { p = d[i]; sub(/^[ \t]+/, "", p); sub(/[ \t(|].*/, "", p); if (p ~ re) print p }
			done = 1 }'
}

# bpfx_fetch_deb SUITE PKG VERSION: ensure the .deb is in $BPFX_CACHE/debs,
# print its path.  Download goes to a temp dir first so an interrupted
# run never leaves a truncated .deb that a later run would trust.
bpfx_fetch_deb() {
	local suite=$1 pkg=$2 ver=$3 dir f tmp
	dir=$BPFX_CACHE/debs
	f=$dir/${pkg}_${ver//:/%3a}_$BPFX_ARCH.deb
	[ -f "$f" ] || f=$dir/${pkg}_${ver//:/%3a}_all.deb
	if [ ! -f "$f" ]; then
		mkdir -p "$dir"
		tmp=$(mktemp -d "$dir/.dl.XXXXXX")
		# let apt's unprivileged _apt user write there (sandboxed download)
		chown _apt "$tmp" 2>/dev/null || true
		(cd "$tmp" && bpfx_apt "$suite" apt-get -q download "$pkg=$ver" >&2) ||
			{ rm -rf "$tmp"; die "apt-get download $pkg=$ver ($suite) failed"; }
		f=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n1)
		[ -n "$f" ] || { rm -rf "$tmp"; die "download of $pkg=$ver produced no .deb"; }
		mv "$f" "$dir/"
		f=$dir/$(basename "$f")
		rm -rf "$tmp"
		msg "fetched $(basename "$f") ($(du -h "$f" | cut -f1))"
	fi
	printf '%s\n' "$f"
}

# bpfx_probes DKMS_DIR ROW: bpfx's compat probe results for ROW's kernel,
# from its DKMS build log (tests/dkms.sh's DKMS_DIR/ROW/make.log), as
# PROBE_<NAME>=y|n lines (what bpfx registers there), to eval. A failed
# probe's line also says why: "probe NAME n (the compiler's reason)".
bpfx_probes() {
	sed -n 's/^ *probe \([a-z0-9_]*\) *\([yn]\)\( (.*)\)\{0,1\}$/\1 \2/p' "$1/$2/make.log" 2>/dev/null |
		awk '{ print "PROBE_" toupper($1) "=" $2 }'
}

# bpfx_doctor_expect MODE KREL REPORT: tests/doctor-expect.sh on a doctor's
# REPORT, told what the kernel offers by the row's env file and probes
# (both already in the caller's shell: sourced, bpfx_probes evaluated).
bpfx_doctor_expect() {
	HEADERS_HAVE_VMLINUX=$HEADERS_HAVE_VMLINUX CONFIG_PAHOLE_VERSION=$CONFIG_PAHOLE_VERSION \
		PROBE_KF_ITER=${PROBE_KF_ITER:-} PROBE_KF_IMPLICIT_ARGS=${PROBE_KF_IMPLICIT_ARGS:-} \
		PROBE_DYNPTR_VAR_OFF_CHECK=${PROBE_DYNPTR_VAR_OFF_CHECK:-} \
		sh "$(dirname "${BASH_SOURCE[0]}")/../doctor-expect.sh" "$@"
}

# bpfx_copy_tree TOP DIR: the tracked and untracked-but-not-ignored files of
# the work tree TOP, into a fresh DIR (no build products, no .compat).
bpfx_copy_tree() {
	rm -rf "$2"
	mkdir -p "$2"
	(cd "$1" && git ls-files -co --exclude-standard -z |
		xargs -0 cp --parents -t "$2") || die "copy of the tree $1 failed"
}
