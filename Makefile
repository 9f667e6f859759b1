# SPDX-License-Identifier: MIT
# rvirt top-level Makefile.  `make` builds everything into $(BUILD);
# `make check` builds and runs the test suite with prove.
# `make SANITIZE=address,undefined check` builds a separate tree.

SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD ?= build
OPT ?= -O2
SANFLAGS =
else
BUILD ?= build-san
OPT ?= -O1
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

CC ?= cc
RPCGEN ?= rpcgen
PKG_CONFIG ?= pkg-config
PROVE ?= prove
PROVE_FLAGS ?= -j2

PKGS = libtirpc libxml-2.0 lmdb libconfig gnutls libsasl2 libmicrohttpd libcrypt
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
EDIT_CFLAGS := $(shell $(PKG_CONFIG) --cflags libedit 2>/dev/null)
EDIT_LIBS := $(shell $(PKG_CONFIG) --libs libedit 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wimplicit-fallthrough -Wcast-qual
WERROR ?= -Werror
HARDEN = -fstack-protector-strong -D_FORTIFY_SOURCE=2
CFLAGS ?= -g
ALL_CFLAGS = -std=gnu11 $(OPT) $(CFLAGS) $(WARN) $(WERROR) $(HARDEN) -fPIC \
	$(SANFLAGS) -I$(BUILD)/gen -Icommon $(PKG_CFLAGS) $(EDIT_CFLAGS)
# rpcgen output: never edited, so its own warnings are not ours to fix.
GEN_CFLAGS = -std=gnu11 $(OPT) $(CFLAGS) -w $(HARDEN) -fPIC $(SANFLAGS) \
	-I$(BUILD)/gen $(PKG_CFLAGS)
LDFLAGS ?=
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

GEN = $(BUILD)/gen
PROTO = rpcgen/rvirt_protocol.x
GEN_H = $(GEN)/rvirt_protocol.h
GEN_XDR = $(GEN)/rvirt_protocol_xdr.c
GEN_CLNT = $(GEN)/rvirt_protocol_clnt.c

COMMON_SRCS = $(wildcard common/*.c)
STORE_SRCS = $(wildcard store/*.c)
SB_SRCS = $(wildcard scoreboard/*.c)
HV_SRCS = $(filter-out hv/guest%.c hv/holder_main.c,$(wildcard hv/*.c))
SERVER_SRCS = $(filter-out server/main.c,$(wildcard server/*.c))
LIB_SRCS = $(filter-out client/rvsh%.c,$(wildcard client/*.c))
RVSH_SRCS = $(wildcard client/rvsh*.c)
BRIDGE_SRCS = $(wildcard bridge/*.c)
UNIT_SRCS = $(wildcard t/unit/t*.c)
TOOL_SRCS = $(wildcard t/tools/*.c)
PERF_SRCS = $(wildcard t/perf/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

COMMON_OBJS = $(call obj,$(COMMON_SRCS))
DAEMON_OBJS = $(COMMON_OBJS) $(call obj,$(STORE_SRCS) $(SB_SRCS) \
	$(HV_SRCS) $(SERVER_SRCS)) $(BUILD)/obj/gen/xdr.o
LIB_OBJS = $(COMMON_OBJS) $(call obj,$(LIB_SRCS)) $(BUILD)/obj/gen/xdr.o \
	$(BUILD)/obj/gen/clnt.o
INTERNAL_OBJS = $(sort $(DAEMON_OBJS) $(LIB_OBJS))

RVIRTD = $(BUILD)/rvirtd
RVSH = $(BUILD)/rvsh
# The program process domains run (hv/guest.c), installed next to rvirtd.
GUEST = $(BUILD)/rvirt-guest
# The console holder of process domains (hv/holder_main.c, hv/console_holder.c),
# installed next to rvirtd, which runs it (doc/console.md).
HOLDER = $(BUILD)/rvirt-console-holder
# The native ssh bridge (bridge/ssh_helper.c), installed next to rvsh:
# ssh runs it on the daemon's host (librvirt(3), proxy=native).
SSH_HELPER = $(BUILD)/rvirt-ssh-helper
LIBSO = $(BUILD)/librvirt.so.0
LIBA = $(BUILD)/librvirt.a
INTERNAL_A = $(BUILD)/libinternal.a
UNIT_BINS = $(patsubst t/unit/%.c,$(BUILD)/t/%,$(UNIT_SRCS))
TOOL_BINS = $(patsubst t/tools/%.c,$(BUILD)/t/tools/%,$(TOOL_SRCS))
PERF_BINS = $(patsubst t/perf/%.c,$(BUILD)/t/perf/%,$(PERF_SRCS))

.PHONY: all check check-run chaos demo perf perf-run soak unit-check fmt fmt-check clean
.SUFFIXES:
.DELETE_ON_ERROR:
# Keep objects of unit tests and tools between runs.
.SECONDARY:

all: $(RVIRTD) $(LIBSO) $(BUILD)/librvirt.so $(LIBA) $(RVSH) $(GUEST) \
	$(SSH_HELPER) $(HOLDER)

# rpcgen names the header it includes after its input path, so it runs
# inside $(GEN) on a copy of the .x.
$(GEN)/rvirt_protocol.x: $(PROTO)
	@mkdir -p $(GEN)
	cp $< $@
$(GEN_H): $(GEN)/rvirt_protocol.x
	rm -f $@ && cd $(GEN) && $(RPCGEN) -h -M -o rvirt_protocol.h rvirt_protocol.x
$(GEN_XDR): $(GEN)/rvirt_protocol.x $(GEN_H)
	rm -f $@ && cd $(GEN) && $(RPCGEN) -c -M -o rvirt_protocol_xdr.c rvirt_protocol.x
$(GEN_CLNT): $(GEN)/rvirt_protocol.x $(GEN_H)
	rm -f $@ && cd $(GEN) && $(RPCGEN) -l -M -o rvirt_protocol_clnt.c rvirt_protocol.x

$(BUILD)/obj/gen/xdr.o: $(GEN_XDR)
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) -c -o $@ $<
$(BUILD)/obj/gen/clnt.o: $(GEN_CLNT)
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

$(RVIRTD): $(DAEMON_OBJS) $(BUILD)/obj/server/main.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(LIBSO): $(LIB_OBJS) client/librvirt.map
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,librvirt.so.0 \
		-Wl,--version-script=client/librvirt.map -o $@ $(LIB_OBJS) \
		$(PKG_LIBS)
$(BUILD)/librvirt.so: $(LIBSO)
	ln -sf librvirt.so.0 $@
$(LIBA): $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(HOLDER): $(BUILD)/obj/hv/holder_main.o $(INTERNAL_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(GUEST): $(call obj,$(wildcard hv/guest*.c))
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $^

$(RVSH): $(call obj,$(RVSH_SRCS)) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(EDIT_LIBS)

# Linked with librvirt.a for the default socket rules of the client.
$(SSH_HELPER): $(call obj,$(BRIDGE_SRCS)) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(INTERNAL_A): $(INTERNAL_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/t/%: $(BUILD)/obj/t/unit/%.o $(INTERNAL_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)
$(BUILD)/t/tools/%: $(BUILD)/obj/t/tools/%.o $(INTERNAL_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/t/perf/%: $(BUILD)/obj/t/perf/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The libvirtd baseline of t/perf/setups.sh, built where libvirt-dev is
# (scripts/deps.sh perf); without it setups.sh leaves libvirtd out.
ifneq ($(shell $(PKG_CONFIG) --exists libvirt 2>/dev/null && echo y),)
LIBVIRT_SETUPS = $(BUILD)/t/perf/libvirt-setups
$(LIBVIRT_SETUPS): t/perf/libvirt/setups.c t/perf/perf.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell $(PKG_CONFIG) --cflags libvirt) \
		$(ALL_LDFLAGS) -o $@ $< $(shell $(PKG_CONFIG) --libs libvirt)
PERF_BINS += $(LIBVIRT_SETUPS)
endif

unit-check: $(UNIT_BINS)

# A 64 KiB BIOS image that talks on COM1, the guest of the QEMU console
# tests (t/7107): 16-bit code, GNU as and ld (binutils, with gcc).
FIRMWARE = $(BUILD)/t/tools/serial-echo.bin
$(FIRMWARE): t/tools/serial-echo.S
	@mkdir -p $(BUILD)/obj/t/tools $(dir $@)
	$(CC) -m32 -c -o $(BUILD)/obj/t/tools/serial-echo.o $<
	ld -m elf_i386 -Ttext 0 --oformat binary -o $@ \
		$(BUILD)/obj/t/tools/serial-echo.o
TOOL_BINS += $(FIRMWARE)

# rvirt-console-proxy (proxy/, doc/console.md): websockets to consoles,
# a librvirt client like rvsh; libwebsockets from Debian.  Its test
# client t/tools/wsclient uses libwebsockets too.
PROXY = $(BUILD)/rvirt-console-proxy
PROXY_SRCS = $(wildcard proxy/*.c)
LWS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libwebsockets 2>/dev/null)
LWS_LIBS := $(shell $(PKG_CONFIG) --libs libwebsockets 2>/dev/null)
$(call obj,$(PROXY_SRCS) t/tools/wsclient.c): ALL_CFLAGS += $(LWS_CFLAGS)
$(PROXY): $(call obj,$(PROXY_SRCS)) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $^ $(PKG_LIBS) $(LWS_LIBS)
$(BUILD)/t/tools/wsclient: $(BUILD)/obj/t/tools/wsclient.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LWS_LIBS)
all: $(PROXY)

include mk/version.mk
include mk/install.mk
include mk/systemd.mk
include mk/deb.mk

# Benchmarks: numbers and ratios against a baseline measured in the same
# run; never pass/fail.  Opt-in, not part of check (t/2008 is their
# smoke run there).  deps.sh perf adds libvirtd, a baseline of setups.sh;
# make is entered again so that pkg-config sees libvirt-dev.
perf:
	scripts/deps.sh perf
	$(MAKE) perf-run
perf-run: all $(PERF_BINS) $(TOOL_BINS)
	RVIRT_BUILD=$(abspath $(BUILD)) RVIRT_SRC=$(CURDIR) t/perf/run.sh

# The README's two commands.  Both first make sure the Debian packages
# are there (installing them as root, else printing the apt-get line),
# then re-enter make so that pkg-config sees what was just installed.
demo:
	scripts/deps.sh build
	$(MAKE) all
	scripts/demo.sh $(BUILD)

check:
	scripts/deps.sh test
	$(MAKE) check-run

# The test suite.  RVIRT_BUILD tells t/test-lib.sh where the binaries are.
# Long runs, not part of check: many restarts under concurrent clients.
soak: all $(TOOL_BINS)
	RVIRT_BUILD=$(abspath $(BUILD)) RVIRT_SRC=$(CURDIR) \
		$(PROVE) $(PROVE_FLAGS) t/soak/*.t

# Clients under random SIGKILLs, upgrades and reloads of the whole
# daemon, judged from outside (t/chaos/chaos.t; sized by RVIRT_CHAOS_*).
# Opt-in; a short version is t/4005 in check.
chaos: all $(TOOL_BINS)
	RVIRT_BUILD=$(abspath $(BUILD)) RVIRT_SRC=$(CURDIR) \
		$(PROVE) -v t/chaos/*.t

# t/3007 drives the pool with the load generator of t/perf; t/2008 runs
# t/perf/setups.sh for a moment (a smoke run).  What the failed tests
# reported is printed again after prove's summary, with a digest last,
# so the tail of a CI log says why (t/tools/failures.sh).
FAILURE_LOG = $(abspath $(BUILD))/check-failures.log
check-run: all $(UNIT_BINS) $(TOOL_BINS) $(BUILD)/t/perf/load \
	$(BUILD)/t/perf/setups $(LIBVIRT_SETUPS)
	@rm -f $(FAILURE_LOG)
	RVIRT_BUILD=$(abspath $(BUILD)) RVIRT_SRC=$(CURDIR) \
	RVIRT_FAILURE_LOG=$(FAILURE_LOG) \
		$(PROVE) $(PROVE_FLAGS) $(UNIT_BINS) t/*.t || { \
		sh t/tools/failures.sh $(FAILURE_LOG); exit 1; }

FMT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
fmt:
	clang-format -i $(FMT_FILES)
fmt-check:
	clang-format --dry-run -Werror $(FMT_FILES)

clean:
	rm -rf build build-san build-fuzz

# Fuzz targets: make fuzz, make fuzz-smoke (t/fuzz/, doc/fuzzing.md).
include t/fuzz/fuzz.mk
