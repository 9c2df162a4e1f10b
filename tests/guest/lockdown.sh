#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in a guest booted with lockdown=integrity (tests/check.sh, each kernel): the
# doctor must see the lockdown, and the kernel must refuse our module, which
# is signed with a key it does not hold, for lockdown's reason.
cd /payload
pass=0 fail=0
ok()  { pass=$((pass+1)); echo "#lockdown $1:OK"; }
bad() { fail=$((fail+1)); echo "#lockdown $1:FAIL ($2)"; }
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
sh ./bpfx-doctor > doctor.out 2>&1
cat doctor.out
if grep -q '^WARN lockdown: integrity: ' doctor.out && grep -q '^     -> load a bpfx signed with an enrolled key' doctor.out; then
	ok doctor_sees_lockdown
else
	bad doctor_sees_lockdown "no 'WARN lockdown: integrity' with its action"
fi
if insmod bpfx.ko 2>/dev/null; then
	rmmod bpfx; bad lockdown_refuses_untrusted "bpfx loaded under lockdown"
elif dmesg | grep -q 'Lockdown: insmod: unsigned module loading is restricted'; then
	ok lockdown_refuses_untrusted
else
	bad lockdown_refuses_untrusted "no Lockdown line"; dmesg | tail -5
fi
echo "guest: $pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]
