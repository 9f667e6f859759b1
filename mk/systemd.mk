# SPDX-License-Identifier: MIT
# systemd.mk: libsystemd (sd_notify, sd_journal_send) for rvirtd and the
# programs that link its objects; never for librvirt, which must not
# depend on it.

SYSTEMD_LIBS := $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null)

$(RVIRTD) $(UNIT_BINS) $(TOOL_BINS): PKG_LIBS += $(SYSTEMD_LIBS)
