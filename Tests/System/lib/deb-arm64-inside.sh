#!/bin/bash
# Runs chrooted in the Debian 13 arm64 root under qemu-user (deb.test.sh): the README's Raspberry Pi
# path as a new user (pi-path.sh, which installs the package with apt), then `lookout classify` on the
# 8 reference photos against LiteRT's top-1 (/mnt/share/expected: "photo index" lines) and lookoutd
# replaying a folder once, printing its events. /mnt/share: the .deb, README.md, photos/, reference/,
# models/. Prints one numbered line per check.
set -u
source /mnt/share/check.sh
note "$(. /etc/os-release; echo "Debian $VERSION_ID ($VERSION_CODENAME)") $(dpkg --print-architecture), $(uname -m) under qemu-user"

bash /mnt/share/pi-path.sh /mnt/share/README.md /mnt/share chroot
check "the README's Raspberry Pi path, as user pi (commands that need a booted systemd excepted)" test $? = 0
check "the package is installed, for arm64" bash -c "dpkg-query -W -f='\${Status} \${Architecture}' lookout | grep -q 'install ok installed arm64'"
# e_machine 0xb7 (EM_AARCH64) at offset 18 of the ELF header; ldd fails for a missing file.
check "lookout and lookoutd are aarch64 binaries with every library found" \
  bash -c 'for b in /usr/bin/lookout /usr/bin/lookoutd; do
             [ "$(od -An -tx1 -j18 -N2 "$b" | tr -d " ")" = b700 ] && ldd "$b" > /tmp/ldd && ! grep -q "not found" /tmp/ldd || exit 1
           done'

# The reference top-1 (LiteRT) on the 8 reference photos, MobileNet V1 1.0 224 installed by the path.
photos=$(cut -d' ' -f1 /mnt/share/expected | sed 's|^|/mnt/share/reference-photos/|' | tr '\n' ' ')
out=$(lookout classify --model mobilenet_v1_1.0_224 --json --top 1 $photos 2> /tmp/classify.err)
check "lookout classify on the 8 reference photos: exit 0" test $? = 0
matched=0
while read -r photo index; do
  got=$(grep -F "\"image\":\"/mnt/share/reference-photos/$photo\"" <<<"$out" | grep -o '"index":[0-9]*' | head -1 | cut -d: -f2)
  label=$(grep -F "/mnt/share/reference-photos/$photo" <<<"$out" | grep -o '"label":"[^"]*"' | head -1)
  [ "$got" = "$index" ] && matched=$((matched + 1)) || note "$photo: top-1 $got ($label), LiteRT $index"
done < /mnt/share/expected
note "top-1 agrees with LiteRT on $matched of $(wc -l < /mnt/share/expected) photos"
check "every reference photo gets LiteRT's top-1" test "$matched" = "$(wc -l < /mnt/share/expected)"

# lookoutd replays a folder once (replay_loop false: it stops at the end; replay_fps 0: every picture
# is classified, however slow the emulated CPU) and prints its events.
events=$(LOOKOUT_SOURCE_REPLAY_LOOP=false LOOKOUT_SOURCE_REPLAY_FPS=0 LOOKOUT_EVENTS_MIN_FRAMES=1 LOOKOUT_EVENTS_THRESHOLD=0.3 \
  timeout 900 lookoutd --source /mnt/share/reference-photos --model mobilenet_v1_1.0_224 --events stdout 2> /tmp/lookoutd.err)
check "lookoutd --source FOLDER: replays it and exits 0 at its end" test $? = 0
started=$(grep -c '"event":"started"' <<<"$events")
note "$started started events: $(grep -o '"label":"[^"]*"' <<<"$events" | sort -u | head -8 | cut -d'"' -f4 | tr '\n' ';')"
check "it printed started events with labels (JSON lines)" test "$started" -ge 4
[ "$failures" = 0 ] || { echo "--- classify stderr"; tail -5 /tmp/classify.err; echo "--- lookoutd stderr"; tail -10 /tmp/lookoutd.err; }
echo "$failures of $number checks failed"
[ "$failures" = 0 ]
