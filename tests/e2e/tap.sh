# tests/e2e/tap.sh: TAP output for the end-to-end tests (sourced by lib.sh).
#
# Each check prints one "ok N - ..." or "not ok N - ..." line, with what was
# got and expected as "#" lines under a failure; done_testing prints the
# plan last and exits non-zero when any check failed.

_n=0
_failed=0

_result() {	# _result STATUS DESCRIPTION
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_failed=$((_failed + 1))
	fi
}

ok() {		# ok DESCRIPTION COMMAND...: passes when COMMAND succeeds
	_d=$1
	shift
	"$@" >/dev/null 2>&1
	_result $? "$_d"
}

fails() {	# fails STATUS DESCRIPTION COMMAND...: passes on that exit status
	_want=$1 _d=$2
	shift 2
	"$@" >/dev/null 2>&1
	_got=$?
	[ "$_got" -eq "$_want" ]
	_result $? "$_d"
	[ "$_got" -eq "$_want" ] || echo "#   exit status $_got, expected $_want"
}

is() {		# is GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	_result $? "$3"
	[ "$1" = "$2" ] || printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
}

like() {	# like GOT PATTERN DESCRIPTION: grep -E PATTERN in GOT
	printf '%s\n' "$1" | grep -Eq -- "$2"
	_s=$?
	_result $_s "$3"
	[ $_s -eq 0 ] || printf '#   got: %s\n#   expected to match: %s\n' "$1" "$2"
}

unlike() {	# unlike GOT PATTERN DESCRIPTION
	! printf '%s\n' "$1" | grep -Eq -- "$2"
	_s=$?
	_result $_s "$3"
	[ $_s -eq 0 ] || printf '#   got: %s\n#   expected not to match: %s\n' "$1" "$2"
}

skip() {	# skip WHY: one check that cannot run here
	_n=$((_n + 1))
	echo "ok $_n # SKIP $*"
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
	exit $?
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}
