# SPDX-License-Identifier: MIT
# fuzz.mk: the libFuzzer targets of t/fuzz/ (included by the Makefile).
#
# A target is one file t/fuzz/fuzz-NAME.c defining LLVMFuzzerTestOneInput
# and a seed directory t/fuzz/corpus/NAME/ (t/fuzz/crashes/NAME/ for
# inputs that once crashed it); nothing else needs to change.
#
#   make fuzz FUZZ_SECONDS=N [FUZZ_JOBS=J] [FUZZ_TARGETS="a b"]
#	builds every target with clang-14, -fsanitize=fuzzer,address,
#	undefined in build-fuzz/ and runs each for N seconds (J at once)
#   make fuzz-smoke	the same for 20 s each, two at once (CI)
#   make check		builds NAME-replay with the ordinary compiler and
#			t/1003-fuzz-replay.t replays seeds and crashes

FUZZ_CC ?= clang-14
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 2
FUZZ_SRCS = $(wildcard t/fuzz/fuzz-*.c)
FUZZ_NAMES = $(patsubst t/fuzz/fuzz-%.c,%,$(FUZZ_SRCS))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_BINS = $(patsubst t/fuzz/%.c,$(BUILD)/t/fuzz/%,$(FUZZ_SRCS))
FUZZ_REPLAY_BINS = $(patsubst t/fuzz/%.c,$(BUILD)/t/fuzz/%-replay,$(FUZZ_SRCS))

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-bins

# Linked by libFuzzer's main; only in the fuzz tree.
$(BUILD)/t/fuzz/fuzz-%: $(BUILD)/obj/t/fuzz/fuzz-%.o $(INTERNAL_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

# The same target with a plain main that replays files.
$(BUILD)/t/fuzz/fuzz-%-replay: $(BUILD)/obj/t/fuzz/fuzz-%.o \
		$(BUILD)/obj/t/fuzz/replay.o $(INTERNAL_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

check-run: $(FUZZ_REPLAY_BINS)

fuzz-bins: $(FUZZ_BINS)

# clang's warnings differ from gcc's: -Werror stays with the gcc trees.
fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) SANITIZE=address,undefined \
		OPT=-O1 CFLAGS="-g -fsanitize=fuzzer-no-link" WERROR= fuzz-bins

fuzz: fuzz-build
	t/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	t/fuzz/run.sh $(FUZZ_BUILD) 20 2 $(FUZZ_TARGETS)
