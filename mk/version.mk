# SPDX-License-Identifier: MIT
# version.mk: the one version number, read from VERSION, as a generated
# header for the code (common/version.c) and a make variable for
# rvirt.pc, make dist and the debian/changelog check.

RVIRT_VERSION := $(shell cat VERSION)
VERSION_H = $(GEN)/rvirt_version.h

# major * 1000000 + minor * 1000 + micro, as on the wire.
$(VERSION_H): VERSION
	@mkdir -p $(GEN)
	@v=$$(cat VERSION); \
	case $$v in [0-9]*.[0-9]*.[0-9]*) ;; \
	*) echo "VERSION: '$$v' is not MAJOR.MINOR.MICRO" >&2; exit 1 ;; esac; \
	ma=$${v%%.*}; r=$${v#*.}; mi=$${r%%.*}; mc=$${r#*.}; \
	{ echo "/* Generated from VERSION by mk/version.mk; never edited. */"; \
	  echo "#define RVIRT_VERSION_STRING \"$$v\""; \
	  echo "#define RVIRT_VERSION_NUMBER ($$ma * 1000000ULL + $$mi * 1000ULL + $$mc)"; \
	} >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/common/version.o: $(VERSION_H)
