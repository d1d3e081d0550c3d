# Sourced: need_host_packages PACKAGE... installs the Debian packages this host is missing (as root),
# refreshing the package lists only when something has to be installed. Other users of apt may hold
# its locks for a while (a parallel build, unattended upgrades): it waits for them.
need_host_packages() {
  local missing=() p try
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  echo "installing ${missing[*]} on the host" >&2
  for try in 1 2 3 4 5 6 7 8 9 10; do apt-get update -qq && break; sleep 30; done
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=900 --no-install-recommends \
    "${missing[@]}" >/dev/null
}
