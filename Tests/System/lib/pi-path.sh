#!/bin/bash
# Runs the README's Raspberry Pi path (the sh blocks between <!-- pi-path --> and <!-- /pi-path -->)
# as a new user would, inside a Debian root: user pi with sudo and groups adm and video, as Raspberry
# Pi OS makes its first user. Run as root: pi-path.sh README SHARE MODE
#   SHARE: the .deb, photos/ and models/;  MODE: booted (systemd runs) or chroot (no systemd: the
#   systemctl, journalctl and lookout tail lines are left to the booted run).
# What cannot happen here is stood in for, and said: the scp line (the test copies the package into
# pi's home), the model download (no internet: `--from SHARE/models`), the editor (SUDO_EDITOR writes
# a replay source, as there is no camera), and apt's "Do you want to continue?" (answered yes).
# Commands that follow until Ctrl-C run until their first event appears. Prints one line per command.
set -u
readme=$1 share=$2 mode=$3
failures=0 number=0
export DEBIAN_FRONTEND=noninteractive

command -v sudo >/dev/null || apt-get install -y -q sudo > /tmp/sudo.log 2>&1 || { cat /tmp/sudo.log; exit 1; }
id pi >/dev/null 2>&1 || useradd -m -s /bin/bash -G sudo,adm,video pi
echo 'pi ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/010_pi-nopasswd
echo 'APT::Get::Assume-Yes "true";' > /etc/apt/apt.conf.d/90pi-path-test
cp "$share"/lookout_*.deb ~pi/
mkdir -p ~pi/pictures /var/lib/lookout-replay
cp "$share"/photos/* ~pi/pictures/
cp "$share"/photos/* /var/lib/lookout-replay/
cp "$share/photos/$(ls "$share/photos" | head -1)" ~pi/photo.jpg
chown -R pi: ~pi
cat > /usr/local/bin/pi-path-editor <<'EOF'
#!/bin/sh
# Stands in for the user's editor: a replay folder as the camera, small thresholds, frequent heartbeats.
sed -i 's|^  device: .*|  device: /dev/video0|; s|^  replay: null .*|  replay: /var/lib/lookout-replay|; s|^  heartbeat_seconds: .*|  heartbeat_seconds: 2|; s|^  threshold: 0.6 .*|  threshold: 0.3|; s|^  min_frames: 3 .*|  min_frames: 1|' "$1"
EOF
chmod +x /usr/local/bin/pi-path-editor

# as_pi COMMAND: in pi's login shell, from its home folder.
as_pi() { su - pi -c "cd ~ && export SUDO_EDITOR=/usr/local/bin/pi-path-editor && $1"; }
# until_seen SECONDS PATTERN COMMAND: runs COMMAND as pi (in a session of its own) until its output
# shows PATTERN, then stops it.
until_seen() {
  local seconds=$1 pattern=$2 out; out=$(mktemp)
  export -f as_pi
  setsid bash -c 'as_pi "$1"' _ "$3" > "$out" 2>&1 < /dev/null &
  local pid=$! deadline=$((SECONDS + seconds))
  until grep -q -- "$pattern" "$out"; do
    kill -0 $pid 2>/dev/null && [ $SECONDS -lt $deadline ] || break
    sleep 0.5
  done
  kill -TERM -- -$pid 2>/dev/null; wait $pid 2>/dev/null
  tail -3 "$out" | cut -c1-160 | sed 's/^/        | /'
  grep -q -- "$pattern" "$out"; local found=$?; rm -f "$out"; return $found
}
result() {  # result STATUS COMMAND [NOTE]
  number=$((number + 1))
  if [ "$1" = 0 ]; then printf 'ok   %2d $ %s%s\n' "$number" "$2" "${3:+  ($3)}"
  else printf 'FAIL %2d $ %s%s\n' "$number" "$2" "${3:+  ($3)}"; failures=$((failures + 1)); fi
}

commands=$(awk '/<!-- pi-path -->/{on=1} /<!-- \/pi-path -->/{on=0} on && /^```/{block=!block; next} on && block' "$readme" |
  sed 's/[[:space:]]\{2,\}#.*$//' | grep -v '^[[:space:]]*$')
[ -n "$commands" ] || { echo "FAIL: no pi-path commands in $readme"; exit 1; }
while IFS= read -r cmd; do
  case $cmd in
    scp\ *) echo "skip    \$ $cmd  (on the user's computer: the test copied the package into ~pi)"; continue ;;
  esac
  if [ "$mode" = chroot ] && grep -qE '(^|sudo )(systemctl|journalctl)|lookout tail' <<<"$cmd"; then
    echo "skip    \$ $cmd  (needs a booted systemd: run in the booted Debian 13 machine)"; continue
  fi
  run=$cmd note=""
  arch=$(dpkg --print-architecture)
  if [ "$arch" != arm64 ] && grep -q '_arm64\.deb' <<<"$run"; then run=${run//_arm64.deb/_$arch.deb}; note="the $arch package on this $arch machine"; fi
  if grep -q 'lookout model install' <<<"$run"; then run="$run --from $share/models"; note="no internet here: --from"; fi
  case $run in
    *lookoutd\ --source*) until_seen 600 '"event":"started"' "$run"; result $? "$cmd" "until its first started event" ;;
    journalctl*-f*) until_seen 300 ' seen on ' "$run"; result $? "$cmd" "until a started entry shows" ;;
    *--follow*) until_seen 300 ' seen on \|started' "$run"; result $? "$cmd" "until a started event shows" ;;
    *)
      out=$(as_pi "$run" 2>&1 < /dev/null); status=$?
      tail -4 <<<"$out" | cut -c1-160 | sed 's/^/        | /'
      result $status "$cmd" "$note" ;;
  esac
done <<<"$commands"
echo "pi path: $failures of $number commands failed"
[ "$failures" = 0 ]
