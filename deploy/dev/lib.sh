# deploy/dev/lib.sh — shared by the deploy/dev service scripts (sourced, not run).
#
# A server that answers on a port is not necessarily the one a script started:
# another copy of it (another checkout, a systemd unit of the Debian package, a
# previous run) may hold the port while the process the script launched dies on
# "address already in use". Every script therefore asks the kernel who holds
# the listening socket and accepts only its own process (or a child of it).

# listening_pids PORT prints, one per line, the pids of the processes that hold
# a listening TCP socket on PORT (any address, IPv4 or IPv6). It reads
# /proc/net/tcp{,6} for the socket inodes and finds the processes whose file
# descriptors point at them; a process of another user is found only when the
# caller may read its /proc entry (root may), which is the safe side: a process
# that cannot be seen is never taken for ours.
listening_pids() {
	local hex inodes inode
	hex=$(printf ':%04X' "$1")
	# Columns: sl local_address rem_address st … inode (10th). 0A is LISTEN.
	inodes=$(awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)
	[[ -n $inodes ]] || return 0
	for inode in $inodes; do
		find /proc/[0-9]*/fd -maxdepth 1 -lname "socket:\[$inode\]" 2>/dev/null
	done | cut -d/ -f3 | sort -un
}

# descends_from PID ANCESTOR succeeds when PID is ANCESTOR or one of its
# descendants.
descends_from() {
	local p=$1 i stat
	for ((i = 0; i < 64; i++)); do
		[[ $p == "$2" ]] && return 0
		((p > 1)) || return 1
		stat=$(<"/proc/$p/stat") 2>/dev/null || return 1
		# The command name (field 2) may hold spaces and parentheses: the
		# parent pid is the second field after the last ')'.
		stat=${stat##*) }
		read -r _ p _ <<<"$stat"
	done
	return 1
}

# owns_port PID PORT succeeds when the listening socket on PORT is held by PID
# (or a child of it) and by no other process.
owns_port() {
	local pids p mine=1
	pids=$(listening_pids "$2")
	[[ -n $pids ]] || return 1
	for p in $pids; do
		descends_from "$p" "$1" || mine=0
	done
	((mine))
}

# port_holder PORT describes who holds PORT, for error messages.
port_holder() {
	local pids p out=
	pids=$(listening_pids "$1")
	[[ -n $pids ]] || { echo "nobody visible"; return; }
	for p in $pids; do
		out+="${out:+, }pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80))"
	done
	echo "$out"
}
