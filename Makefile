# SPDX-License-Identifier: GPL-2.0
# bpfx: make [KDIR=<kernel build dir>] [VMLINUX_BTF=<base BTF file>]
#       make check [KERNELS="<rows>"|all]     the QEMU test matrix (rows: tests/kernels.list)
#       make demo  [KERNEL=<row>]               boot a kernel, run the sample
#       make fuzz  [FUZZ_OPS=N] [FUZZ_SEED=S]   differential fuzzing in each kernel
#       make fuzz-programs [N=] [SEED=]          generated whole programs in each kernel
#       make bench [KERNELS=...]                kfunc/iterator benchmarks (docs/BENCHMARKS.md)
#       make doctor [KDIR=...]                  what stops bpfx building or loading here
#       make install [KDIR=] [DESTDIR=] [INSTALL_MOD_PATH=] [PREFIX=/usr]
#                  the module (extra/), the BPF headers (include/bpfx/), bpfx.pc
#       make uninstall                           undoes make install
#       make examples [STATIC=1]                 examples/ against the installed headers
#                  (installed into build/examples/root first; examples/README.md)
KDIR ?= /lib/modules/$(shell uname -r)/build
# Rows of tests/kernels.list (or aliases, or a set: all, debug); empty: its default set /
# its first row.
KERNELS ?=
KERNEL ?=
export VMLINUX_BTF PAHOLE_FLAGS BPFX_SYSROOT

all: modules

# Probe results depend on the target: redo them when KDIR changes.
.compat/kdir.stamp: FORCE
	@mkdir -p .compat
	@echo "$(realpath $(KDIR))" | cmp -s - $@ || echo "$(realpath $(KDIR))" > $@
.compat/bpfx.mk: .compat/kdir.stamp compat/configure.sh $(wildcard compat/probes/*.c)
	@echo "  CONFIGURE $(KDIR)"
	@sh compat/configure.sh $(KDIR) $(CURDIR)/.compat

# tools/btfids runs here, on the build machine: HOSTCC, never the target's CC.
# (DKMS exports CC from the headers' .kernelvariables: for a cross build,
# aarch64-linux-gnu-gcc-14, which cannot link against this machine's libbpf.)
HOSTCC ?= gcc
tools/btfids: tools/btfids.c
	$(MAKE) -C tools btfids CC=$(HOSTCC)

modules: .compat/bpfx.mk tools/btfids
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	@sh tools/module-btf.sh $(KDIR) $(CURDIR)/bpfx.ko

check demo:
	@sh tests/kernel/deps.sh
	@bash tests/$@.sh $(if $(filter check,$@),$(KERNELS),$(KERNEL))

# The full differential fuzzing budget (CI runs 20000 ops per driver).
FUZZ_OPS ?= 1000000
fuzz:
	@sh tests/kernel/deps.sh
	@BPFX_TEST_ARGS="-t fuzz --set BPFX_FUZZ_OPS=$(FUZZ_OPS) $(if $(FUZZ_SEED),--set BPFX_FUZZ_SEED=$(FUZZ_SEED))" \
		BPFX_CYCLES=0 bash tests/check.sh $(KERNELS)

# Whole generated BPF programs through each kernel's verifier, the accepted
# ones run and checked against the model (tests/test_progfuzz.c; CI runs 300
# per driver inside make check). N=100000 is the full budget: hours per kernel
# under TCG, hence the long guest timeout.
N ?= 100000
fuzz-programs:
	@sh tests/kernel/deps.sh
	@BPFX_TEST_ARGS="-t progfuzz --set BPFX_PROGFUZZ_N=$(N) $(if $(SEED),--set BPFX_PROGFUZZ_SEED=$(SEED))" \
		BPFX_CYCLES=0 BPFX_BOOT_TIMEOUT=$${BPFX_BOOT_TIMEOUT:-21600} bash tests/check.sh $(KERNELS)
.PHONY: fuzz-programs

# Kfuncs vs their native twins and the call floor, the iterator vs
# hand-written loops, in each guest: docs/BENCHMARKS.md.
bench:
	@sh tests/kernel/deps.sh
	@bash tests/bench.sh $(KERNELS)
.PHONY: bench

# The BPF-side headers (the kernel-side bpfx_compat.h is not for users).
PREFIX ?= /usr
# The name the kernel goes by (tools/base-btf.sh): not kernel.release.
KREL = $(shell . tools/base-btf.sh && bpfx_kernel_release $(KDIR))
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
BPF_HEADERS := include/bpfx.h include/bpfx.bpf.h include/bpfx_compat.bpf.h \
	include/bpfx_flags.h include/bpfx_features.h
pcdir := $(DESTDIR)$(PREFIX)/share/pkgconfig

install: modules install-headers
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KREL)

# The BPF-side headers and bpfx.pc alone (no kernel build): what BPF
# programs and their loaders need.
install-headers:
	install -d $(DESTDIR)$(PREFIX)/include/bpfx $(pcdir)
	install -m 644 $(BPF_HEADERS) $(DESTDIR)$(PREFIX)/include/bpfx/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' bpfx.pc.in > $(pcdir)/bpfx.pc

uninstall:
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(KREL)/extra/bpfx.ko*
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KREL)
	rm -rf $(DESTDIR)$(PREFIX)/include/bpfx $(pcdir)/bpfx.pc

# The examples, built as a user builds them: against headers installed
# (here into a staging root) and found by pkg-config, not against include/.
EXAMPLES_O ?= $(CURDIR)/build/examples
examples:
	@$(MAKE) -s install-headers DESTDIR=$(EXAMPLES_O)/root PREFIX=/usr
	PKG_CONFIG_LIBDIR=$(EXAMPLES_O)/root/usr/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$(EXAMPLES_O)/root \
		$(MAKE) -C examples O=$(EXAMPLES_O) $(if $(STATIC),STATIC=$(STATIC)) $(if $(VMLINUX_BTF),VMLINUX_BTF=$(VMLINUX_BTF))
.PHONY: examples install-headers

# btfids first: the doctor reads module BTF with it where bpftool is missing.
# btfids is optional for the doctor (it says when it cannot be built).
doctor:
	-@$(MAKE) -s -C tools btfids CC=$(HOSTCC) 2>/dev/null
	@sh tools/bpfx-doctor -k $(KDIR)
.PHONY: doctor

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean || true
	rm -rf .compat
	$(MAKE) -C tools clean

.PHONY: all modules check demo fuzz install uninstall clean FORCE
