# SPDX-License-Identifier: GPL-2.0
#
# panicgen: out-of-tree Rust kernel module plus the tooling that proves its faults.
#
#   make run      set up, build the kernel + module, run the fault matrix in QEMU
#                 (ARCH=x86_64 by default, ARCH=arm64 for arm64; FAULTS="BUG ..." for a subset;
#                 TARGET=debug (default), sanitizers, debian, debian-system (a Debian system
#                 with kdump-tools and panicgen's package, crashed through its own pipeline),
#                 image (your own such system: IMAGE=<raw|qcow2> VMLINUX=<its debug vmlinux>)
#                 or user (with KERNEL= and KDIR=); PANICGEN_DUMP=kdump captures and checks a
#                 vmcore of every fatal run, at PANICGEN_DUMP_LEVEL (default 31+alias), plus
#                 PANICGEN_DUMP_LEVELS=elf,23,...); PANICGEN_DUMP=pstore, for machines
#                 without kdump: the panic's log kept by pstore/ramoops across the reset)
#   make check    the gate: host unit tests + the fault matrix (kdump-checked) on x86_64 and
#                 arm64, on panicgen's debug kernel, its sanitizer build, Debian's stock kernel
#                 and a Debian system; CHECK=full adds what the gate leaves out (each step
#                 named with its reason: Documentation/coverage.rst); ends with where the
#                 time went (out/check-times.json)
#   make quick    the inner loop on a warm cache: host tests, then the five mission faults
#                 with kdump on ARCH (budget: 5 min)
#   make deb      the Debian packages (panicgen-dkms, panicgen-selftests), built and checked
#                 by lintian in a trixie chroot, into out/deb
#   make dump-levels  one capture saved at every makedumpfile dump level (and unfiltered),
#                 each read by drgn: the level x check table (ARCH=, TARGET=)
#   make dump-levels-doc  Documentation/dump-levels.rst, its measured part from those runs
#   make points-doc  Documentation/crash-points.rst, its measured part from make check's runs
#   make docs     the pages of Documentation/ generated from the code (keeping the measured
#                 parts); make check fails when a tracked page is not what this would write
#   make bench    saved guest vs cold boot, with and without kdump, and LKDTM beside
#                 panicgen, per arch: a table of medians and out/bench.json
#   make          build panicgen.ko against KDIR (default: the running kernel's build dir);
#                 make modules the same, make clean its build files
#   make rust-headers  rust/ for a distribution kernel's headers (KDIR=, KSRC=<its source>)
#   make setup    what every other target sets up first: packages, toolchain, caches
#   make test-host  the host unit tests and the generated pages' check, no guest
#   make fmt      rustfmt the module and the runner; make lint checks rustfmt, clippy, shellcheck
#   make soak     panicgen under load with kmemleak: 1000 load/unload cycles and concurrent
#                 writers in one guest (ARCH=, CYCLES=)
#   make sign     sign it for a kernel that checks signatures (lockdown, Secure Boot):
#                 KEY=<key PEM> [CERT=<certificate>] [MODULE=panicgen.ko]; see
#                 Documentation/signing.rst
#
# Kbuild reads ./Kbuild for the module; this Makefile is the front end.

KDIR ?= /lib/modules/$(shell uname -r)/build
ARCH ?= x86_64
FAULTS ?=
# The kernel `make run` uses: debug (the project's), sanitizers, debian (Debian's stock
# kernel), debian-system (Debian's kernel in a whole Debian system), image (your own Debian
# system image: IMAGE=, VMLINUX=) or user (KERNEL=<image> KDIR=<its build tree>).
TARGET ?= debug
KERNEL ?=
# TARGET=image: the user's Debian system image and its kernel's DWARF vmlinux.
IMAGE ?=
VMLINUX ?=

# Build against a clang-built kernel with the same LLVM unless told otherwise: a module must
# be compiled by the compiler of its kernel.
KCONFIG := $(wildcard $(KDIR)/.config)
ifeq ($(origin LLVM),undefined)
ifneq ($(KCONFIG),)
ifneq ($(shell grep -s '^CONFIG_CC_IS_CLANG=y' $(KCONFIG)),)
CLANG_MAJOR := $(shell sed -n 's/^CONFIG_CLANG_VERSION=\([0-9]*\)[0-9][0-9][0-9][0-9]$$/\1/p' $(KCONFIG))
LLVM := $(if $(shell command -v clang-$(CLANG_MAJOR)),-$(CLANG_MAJOR),1)
export LLVM
endif
endif
endif
# Cross builds: take the kernel's architecture from its configuration.
ifneq ($(KCONFIG),)
ifneq ($(shell grep -s '^CONFIG_ARM64=y' $(KCONFIG)),)
MODULE_ARCH := arm64
else ifneq ($(shell grep -s '^CONFIG_X86_64=y' $(KCONFIG)),)
MODULE_ARCH := x86_64
endif
endif
MODULE_ARCH ?= $(ARCH)

.PHONY: all modules clean setup run check quick test-host bench fmt lint docs help rust-headers \
	dump-levels dump-levels-doc points-doc deb sign soak

all: modules

# First make sure KDIR can take the module at all (configured, Rust, its rust/ metadata, the
# kernel's own C compiler and rustc), with a message that says what to do if not.
modules:
	scripts/check-kdir.sh $(KDIR) ARCH=$(MODULE_ARCH)
	$(MAKE) -C $(KDIR) M=$(CURDIR) ARCH=$(MODULE_ARCH) $(if $(MO),MO=$(MO)) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) ARCH=$(MODULE_ARCH) clean

CYCLES ?= 1000
soak:
	scripts/soak.sh $(ARCH) $(CYCLES)

KEY ?=
CERT ?=
MODULE ?= panicgen.ko
sign:
	@test -n "$(KEY)" || { echo "make sign KEY=<key PEM> [CERT=<certificate>]: see Documentation/signing.rst" >&2; exit 2; }
	scripts/sign-module.sh $(MODULE) $(KDIR) $(KEY) $(CERT)

# Distribution headers without rust/ (Debian's): regenerate it from the matching kernel
# source KSRC= with the kernel's own toolchain, then `make` builds the module against KDIR.
rust-headers:
	scripts/rust-headers.sh $(KDIR) $(KSRC)

deb:
	scripts/deb/build.sh

setup:
	scripts/setup.sh

# Without this make's command line (MAKEFLAGS): the kernel builds inside would take TARGET=
# and the rest as their own (bindgen reads TARGET as a target triple).
run:
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u TARGET PANICGEN_TARGET=$(TARGET) KERNEL=$(KERNEL) \
		KDIR=$(KDIR) IMAGE=$(IMAGE) VMLINUX=$(VMLINUX) scripts/run.sh $(ARCH) $(FAULTS)

# CHECK: gate (the default) or full. Not in the kernel builds' MAKEFLAGS: the kernel's
# CHECK is its checker program.
CHECK ?= gate
check:
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL PANICGEN_CHECK=$(CHECK) scripts/check.sh

quick:
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u TARGET scripts/quick.sh $(ARCH)

dump-levels:
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u TARGET PANICGEN_TARGET=$(TARGET) KERNEL=$(KERNEL) \
		KDIR=$(KDIR) scripts/dump-levels.sh $(ARCH)

dump-levels-doc:
	scripts/dump-levels-doc.sh

points-doc:
	scripts/points-doc.sh

test-host:
	scripts/check.sh --host-only

bench:
	scripts/bench.sh $(BENCH_ARCHES)

fmt:
	scripts/lint.sh --fix

lint:
	scripts/lint.sh

docs:
	scripts/docs.sh

help:
	@sed -n '3,/^# Kbuild reads/{/^# Kbuild reads/!p}' Makefile
