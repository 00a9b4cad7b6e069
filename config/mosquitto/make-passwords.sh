#!/usr/bin/env bash
# Creates Mosquitto's password file FILE (default: ./secrets/passwords) with one account per line of
# "user password" read from standard input (hashed by mosquitto_passwd; the input is not kept).
# Example: printf 'hybridfog-gateway %s\nhybridfog-cloud %s\ndev-1 %s\n' "$G" "$C" "$D" | make-passwords.sh
set -euo pipefail
file=${1:-"$(dirname "$0")/secrets/passwords"}
mkdir -p "$(dirname "$file")"
: > "$file"
chmod 600 "$file"
while read -r user password; do
  [ -n "$user" ] || continue
  mosquitto_passwd -b "$file" "$user" "$password"
done
echo "$(wc -l < "$file") accounts in $file"
